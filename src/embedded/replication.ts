/**
 * Replication between embedded nodes, kept simple: a replica connects to its master's client port and sends
 * EMBEDDED.SYNC; the master answers with a stream of commands, first a full copy (FLUSHALL, then RESTORE ...
 * REPLACE ABSTTL per key), then, after every write, the new state of each key it touched (RESTORE or DEL).
 * Shipping states instead of commands keeps the replica exact without rewriting non-deterministic commands
 * (SPOP, relative EXPIRE); the price is that a write to a big value ships the whole value.
 */
import {Socket} from 'node:net'

import {encodeCommand} from '../redis/resp.js'
import type {ClientState} from './client.js'
import type {Keyspace} from './keyspace.js'
import {toPortable} from './portable.js'
import {encodeDump} from './rdb/index.js'
import {RequestParser} from './resp.js'
import {keyBuffer, keyString} from './types.js'

const RECONNECT_DELAY_MS = 500

type AckWaiter = {offset: number; wanted: number; resolve: (count: number) => void; timer?: NodeJS.Timeout}

/** The master side: the replicas attached to this node, what goes to them, and how far each has applied it. */
export class ReplicationSource {
  /** Each replica with the stream offset it last acknowledged (REPLCONF ACK). */
  private readonly replicas = new Map<ClientState, number>()
  private readonly waiters = new Set<AckWaiter>()
  /** Bytes of replication stream produced so far (master_repl_offset); full copies do not count. */
  offset = 0

  get replicaCount(): number {
    return this.replicas.size
  }

  /**
   * Turns the client's connection into a replication stream: `+FULLRESYNC <offset> <bytes>`, then a full copy of
   * `databases` that many bytes long, then the stream from `offset` on.
   */
  attach(client: ClientState, databases: readonly Keyspace[]): void {
    this.replicas.set(client, 0)
    client.onClose = () => {
      this.replicas.delete(client)
      this.settleWaiters()
    }

    const commands: Buffer[] = [encodeCommand(['FLUSHALL'])]
    for (const [db, keyspace] of databases.entries()) {
      if (keyspace.size === 0) continue
      commands.push(encodeCommand(['SELECT', String(db)]))
      for (const key of keyspace.keys()) {
        const command = stateCommand(keyspace, key)
        if (command) commands.push(command)
      }
    }

    const copy = Buffer.concat(commands)
    client.reply.status(`FULLRESYNC ${this.offset} ${copy.length}`)
    client.push?.(copy)
  }

  /** After a write: the state of `keys` in database `db`, or the command itself when it names no key. */
  propagate(keyspace: Keyspace, db: number, keys: readonly Buffer[], args: readonly Buffer[]): void {
    if (this.replicas.size === 0) return
    const commands = [encodeCommand(['SELECT', String(db)])]
    if (keys.length === 0) commands.push(encodeCommand(args))
    for (const key of keys) commands.push(stateCommand(keyspace, keyString(key)) ?? encodeCommand(['DEL', key]))
    const data = Buffer.concat(commands)
    this.offset += data.length
    for (const replica of this.replicas.keys()) replica.push?.(data)
  }

  /** REPLCONF ACK from a replica: it has applied the stream up to `offset`. */
  acknowledge(client: ClientState, offset: number): void {
    if (!this.replicas.has(client)) return
    this.replicas.set(client, offset)
    this.settleWaiters()
  }

  /** Replicas that acknowledged at least `offset`. */
  acknowledged(offset: number): number {
    let count = 0
    for (const acked of this.replicas.values()) if (acked >= offset) count++
    return count
  }

  /**
   * WAIT: resolves with the count of replicas that acknowledged `offset`, once `wanted` of them have or after
   * `timeoutMs` (0: no limit, as in Redis).
   */
  waitForAcks(offset: number, wanted: number, timeoutMs: number): Promise<number> {
    const now = this.acknowledged(offset)
    if (now >= wanted) return Promise.resolve(now)
    return new Promise((resolve) => {
      const waiter: AckWaiter = {offset, resolve, wanted}
      if (timeoutMs > 0) waiter.timer = setTimeout(() => this.finish(waiter), timeoutMs)
      this.waiters.add(waiter)
    })
  }

  private settleWaiters(): void {
    for (const waiter of this.waiters) if (this.acknowledged(waiter.offset) >= waiter.wanted) this.finish(waiter)
  }

  private finish(waiter: AckWaiter): void {
    clearTimeout(waiter.timer)
    this.waiters.delete(waiter)
    waiter.resolve(this.acknowledged(waiter.offset))
  }
}

/** RESTORE key <absolute expiry> payload REPLACE ABSTTL, or undefined when the key is gone. */
function stateCommand(keyspace: Keyspace, key: string): Buffer | undefined {
  const value = keyspace.get(key)
  if (!value) return undefined
  const expireAt = keyspace.expireAt(key) ?? 0
  return encodeCommand([
    'RESTORE',
    keyBuffer(key),
    String(expireAt),
    encodeDump(toPortable(value)),
    'REPLACE',
    'ABSTTL',
  ])
}

/** The replica side: follows one master, reconnecting until stopped, applies what it sends and acknowledges it. */
export class ReplicationLink {
  private socket: Socket | undefined
  private stopped = false
  private retry: NodeJS.Timeout | undefined
  private ackScheduled = false
  /** The master's stream offset this replica has applied (slave_repl_offset); the full copy does not count. */
  offset: number
  connected = false
  /** Since when the link has not been up (repl_down_since): since its start until the first full copy is in. */
  private downSince = Date.now()

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly password: string | undefined,
    private readonly apply: (args: Buffer[]) => void,
    /** Where a former master's own stream ended: the offset it reports until its first sync. */
    startOffset = 0,
  ) {
    this.offset = startOffset
    this.connect()
  }

  private connect(): void {
    if (this.stopped) return
    const socket = new Socket()
    this.socket = socket
    const parser = new RequestParser()
    let handshakeReplies = this.password ? 2 : 1
    let pending: Buffer = Buffer.alloc(0)
    /** Bytes of the full copy still to come: applied, but not counted in the offset. */
    let copyLeft = 0
    socket.setNoDelay(true)
    socket.on('connect', () => {
      const commands = [encodeCommand(['EMBEDDED.SYNC'])]
      if (this.password) commands.unshift(encodeCommand(['AUTH', this.password]))
      socket.write(Buffer.concat(commands))
    })
    socket.on('data', (chunk: Buffer) => {
      let data = chunk
      // The master answers AUTH with +OK and EMBEDDED.SYNC with +FULLRESYNC <offset> <copy bytes>.
      if (handshakeReplies > 0) {
        data = Buffer.concat([pending, chunk])
        while (handshakeReplies > 0) {
          const end = data.indexOf('\r\n')
          if (end === -1) break
          const line = data.subarray(0, end).toString('latin1')
          if (line.startsWith('-')) return socket.destroy()
          const fullResync = /^\+FULLRESYNC (\d+) (\d+)$/.exec(line)
          if (fullResync) {
            this.offset = Number(fullResync[1])
            copyLeft = Number(fullResync[2])
          }

          data = data.subarray(end + 2)
          handshakeReplies--
        }

        if (handshakeReplies > 0) {
          pending = data
          return
        }
      }

      const copied = Math.min(copyLeft, data.length)
      copyLeft -= copied
      this.offset += data.length - copied
      parser.append(data)
      for (let args = parser.next(true); args; args = parser.next(true)) this.apply(args)
      // Like master_link_status, the link is up once the full copy is in.
      if (copyLeft > 0) return
      this.connected = true
      this.acknowledgeSoon(socket)
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      if (this.connected) this.downSince = Date.now()
      this.connected = false
      if (!this.stopped) this.retry = setTimeout(() => this.connect(), RECONNECT_DELAY_MS)
    })
    socket.connect({host: this.host, port: this.port})
  }

  /** REPLCONF ACK once per burst of data, so that WAIT on the master counts this replica. */
  private acknowledgeSoon(socket: Socket): void {
    if (this.ackScheduled) return
    this.ackScheduled = true
    setImmediate(() => {
      this.ackScheduled = false
      if (!socket.destroyed) socket.write(encodeCommand(['REPLCONF', 'ACK', String(this.offset)]))
    })
  }

  /** How old our copy of the master's data may be: 0 while the link is up, else the time it has been down. */
  dataAgeMs(now: number): number {
    return this.connected ? 0 : now - this.downSince
  }

  stop(): void {
    this.stopped = true
    if (this.retry) clearTimeout(this.retry)
    this.socket?.destroy()
  }
}
