import type {Socket} from 'node:net'

import {SlotctlError} from '../cluster/errors.js'
import {describeConnectError} from './connect-error.js'
import {type Command, encodeCommand, type Reply, ReplyError, RespParser} from './resp.js'
import {authArgs, type ConnectionSettings, isNeedlessAuth} from './settings.js'
import {openSocket} from './socket.js'

/**
 * Connections for the commands that only read a cluster (check, info, keyslot): RESP2 over a plain or TLS
 * socket, commands pipelined. Not ioredis, on purpose: evaluating ioredis costs ~65 ms, a third of check's
 * start-up budget, and reading needs none of what it adds (reconnection, offline queue, cluster routing).
 * Everything that changes a cluster goes through NodePool.
 */
export class ReaderPool {
  private readonly connections = new Map<string, Promise<ReaderConnection>>()

  constructor(readonly settings: ConnectionSettings) {}

  async close(): Promise<void> {
    const open = [...this.connections.values()]
    this.connections.clear()
    await Promise.all(open.map(async (pending) => (await pending.catch(() => undefined))?.close()))
  }

  /**
   * Sends the commands to `address` in one round trip: each reply, or the ReplyError the node answered it with.
   * Rejects with a ConnectionError when the node cannot be reached or refuses the credentials.
   */
  async pipeline(address: string, commands: readonly Command[]): Promise<Reply[]> {
    return (await this.connect(address)).send(commands)
  }

  private connect(address: string): Promise<ReaderConnection> {
    const cached = this.connections.get(address)
    if (cached) return cached
    // A failed or closed connection is forgotten at once, so that the next call connects again (a restarted node).
    const forget = () => this.connections.get(address) === pending && this.connections.delete(address)
    const pending = ReaderConnection.open(address, this.settings, forget)
    this.connections.set(address, pending)
    pending.catch(forget)
    return pending
  }
}

/** Commands sent together, and the replies that have come back for them so far. */
type Batch = {
  readonly expected: number
  readonly reject: (error: Error) => void
  readonly replies: Reply[]
  readonly resolve: (replies: Reply[]) => void
}

/** One socket to one node; replies come back in the order the commands went out. */
class ReaderConnection {
  private readonly batches: Batch[] = []
  private failure: Error | undefined
  private readonly parser = new RespParser()
  private timer: NodeJS.Timeout | undefined

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly onFailure: () => void,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', (error) => this.fail(error))
    socket.on('close', () => this.fail(new Error('the node closed the connection')))
  }

  /** Connects and authenticates; rejects with a ConnectionError that names the node. */
  static async open(address: string, settings: ConnectionSettings, onFailure: () => void): Promise<ReaderConnection> {
    const connection = new ReaderConnection(await openSocket(address, settings), settings.commandTimeoutMs, onFailure)
    try {
      await connection.authenticate(authArgs(settings))
      return connection
    } catch (error) {
      connection.close()
      throw error instanceof SlotctlError ? error : describeConnectError(address, error, settings)
    }
  }

  close(): void {
    this.fail(new Error('the connection was closed'))
  }

  send(commands: readonly Command[]): Promise<Reply[]> {
    if (this.failure) return Promise.reject(this.failure)
    if (commands.length === 0) return Promise.resolve([])
    return new Promise((resolve, reject) => {
      this.batches.push({expected: commands.length, reject, replies: [], resolve})
      this.socket.write(Buffer.concat(commands.map((command) => encodeCommand(command))))
      this.timer ??= this.startTimer()
    })
  }

  private async authenticate(credentials: string[] | undefined): Promise<void> {
    if (credentials === undefined) return
    const [reply] = await this.send([['AUTH', ...credentials]])
    if (reply instanceof ReplyError && !isNeedlessAuth(reply.message)) throw reply
  }

  private deliver(reply: Reply): void {
    const batch = this.batches[0]
    if (batch === undefined) {
      this.fail(new Error('protocol error: the node sent a reply to no command'))
      return
    }

    batch.replies.push(reply)
    if (batch.replies.length < batch.expected) return
    this.batches.shift()
    clearTimeout(this.timer)
    this.timer = this.batches.length > 0 ? this.startTimer() : undefined
    batch.resolve(batch.replies)
  }

  /** Fails every command still waiting, and every later one, with `error`; the first failure is the one kept. */
  private fail(error: Error): void {
    if (this.failure) return
    this.failure = error
    this.onFailure()
    clearTimeout(this.timer)
    for (const batch of this.batches.splice(0)) batch.reject(error)
    this.socket.destroy()
  }

  private receive(chunk: Buffer): void {
    try {
      for (const reply of this.parser.feed(chunk)) this.deliver(reply)
    } catch (error) {
      this.fail(error as Error)
    }
  }

  /** The command timeout runs from the moment the oldest unanswered batch became the oldest. */
  private startTimer(): NodeJS.Timeout {
    return setTimeout(() => this.fail(new Error(`no reply within ${this.timeoutMs} ms`)), this.timeoutMs)
  }
}
