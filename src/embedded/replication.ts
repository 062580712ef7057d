/**
 * Replication between embedded nodes, kept simple: a replica connects to its master's client port and sends
 * EMBEDDED.SYNC; the master answers with a stream of commands, first a full copy (FLUSHALL, then RESTORE ...
 * REPLACE ABSTTL per key), then, after every write, the new state of each key it touched (RESTORE or DEL).
 * Shipping states instead of commands keeps the replica exact without rewriting non-deterministic commands
 * (SPOP, relative EXPIRE); the price is that a write to a big value ships the whole value.
 */
import {Socket} from 'node:net'

import type {ClientState} from './client.js'
import type {Keyspace} from './keyspace.js'
import {encodeCommand} from './migrate-client.js'
import {toPortable} from './portable.js'
import {encodeDump} from './rdb/index.js'
import {RequestParser} from './resp.js'
import {keyBuffer, keyString} from './types.js'

const RECONNECT_DELAY_MS = 500

/** The master side: the replicas attached to this node and what goes to them. */
export class ReplicationSource {
  private readonly replicas = new Set<ClientState>()
  /** Bytes of replication stream produced so far (master_repl_offset). */
  offset = 0

  get replicaCount(): number {
    return this.replicas.size
  }

  /** Turns the client's connection into a replication stream, starting with a full copy of `databases`. */
  attach(client: ClientState, databases: readonly Keyspace[]): void {
    this.replicas.add(client)
    client.onClose = () => this.replicas.delete(client)
    const commands: Buffer[] = [encodeCommand(['FLUSHALL'])]
    for (const [db, keyspace] of databases.entries()) {
      if (keyspace.size === 0) continue
      commands.push(encodeCommand(['SELECT', String(db)]))
      for (const key of keyspace.keys()) {
        const command = stateCommand(keyspace, key)
        if (command) commands.push(command)
      }
    }

    this.send(Buffer.concat(commands), [client])
  }

  /** After a write: the state of `keys` in database `db`, or the command itself when it names no key. */
  propagate(keyspace: Keyspace, db: number, keys: readonly Buffer[], args: readonly Buffer[]): void {
    if (this.replicas.size === 0) return
    const commands = [encodeCommand(['SELECT', String(db)])]
    if (keys.length === 0) commands.push(encodeCommand(args))
    for (const key of keys) commands.push(stateCommand(keyspace, keyString(key)) ?? encodeCommand(['DEL', key]))
    this.send(Buffer.concat(commands), this.replicas)
  }

  private send(data: Buffer, replicas: Iterable<ClientState>): void {
    this.offset += data.length
    for (const replica of replicas) replica.push?.(data)
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

/** The replica side: follows one master, reconnecting until stopped, and applies what it sends. */
export class ReplicationLink {
  private socket: Socket | undefined
  private stopped = false
  private retry: NodeJS.Timeout | undefined
  /** Bytes of stream applied (slave_repl_offset). */
  offset = 0
  connected = false

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly password: string | undefined,
    private readonly apply: (args: Buffer[]) => void,
  ) {
    this.connect()
  }

  private connect(): void {
    if (this.stopped) return
    const socket = new Socket()
    this.socket = socket
    const parser = new RequestParser()
    let handshakeReplies = this.password ? 2 : 1
    let handshake: Buffer = Buffer.alloc(0)
    socket.setNoDelay(true)
    socket.on('connect', () => {
      const commands = [encodeCommand(['EMBEDDED.SYNC'])]
      if (this.password) commands.unshift(encodeCommand(['AUTH', this.password]))
      socket.write(Buffer.concat(commands))
    })
    socket.on('data', (chunk: Buffer) => {
      let data = chunk
      // The master answers AUTH and EMBEDDED.SYNC with status lines before the stream starts.
      if (handshakeReplies > 0) {
        data = Buffer.concat([handshake, chunk])
        while (handshakeReplies > 0) {
          const end = data.indexOf('\r\n')
          if (end === -1) break
          if (data[0] === 0x2d) return socket.destroy()
          data = data.subarray(end + 2)
          handshakeReplies--
        }

        if (handshakeReplies > 0) {
          handshake = data
          return
        }

        this.connected = true
      }

      this.offset += data.length
      parser.append(data)
      for (let args = parser.next(true); args; args = parser.next(true)) this.apply(args)
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      this.connected = false
      if (!this.stopped) this.retry = setTimeout(() => this.connect(), RECONNECT_DELAY_MS)
    })
    socket.connect({host: this.host, port: this.port})
  }

  stop(): void {
    this.stopped = true
    if (this.retry) clearTimeout(this.retry)
    this.socket?.destroy()
  }
}
