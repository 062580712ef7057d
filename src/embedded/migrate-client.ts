/**
 * MIGRATE's side of the wire: a connection to the target node that sends pipelined AUTH/SELECT/RESTORE
 * commands and reads one reply line per command, as Redis' migrateCommand does. Connections are cached per
 * target and closed after 10 s without use, like Redis' migrate socket cache.
 */
import {Socket} from 'node:net'

const IDLE_CLOSE_MS = 10_000
const READ_ERROR = 'IOERR error or timeout reading to target instance'

/** A socket error or timeout; `replies` are the lines read before it, `timedOut` tells a timeout from a socket error. */
export class MigrateIoError extends Error {
  constructor(
    message: string,
    readonly replies: readonly string[] = [],
    readonly timedOut = false,
  ) {
    super(message)
  }
}

export class MigrateConnection {
  /** The db the last SELECT chose on this socket; -1 forces a SELECT on first use. */
  lastDb = -1
  lastUsed = Date.now()
  private pending = ''
  private waiter: (() => void) | undefined
  private failed: Error | undefined
  /** The exchange in progress: MIGRATEs from several clients to one target take turns on its socket. */
  private turn: Promise<unknown> = Promise.resolve()

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      this.pending += chunk.toString('latin1')
      this.waiter?.()
    })
    const fail = (error?: Error) => {
      this.failed ??= error ?? new Error('connection closed')
      this.waiter?.()
    }

    socket.on('error', fail)
    socket.on('close', () => fail())
  }

  static open(host: string, port: number, timeoutMs: number): Promise<MigrateConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket()
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new MigrateIoError('IOERR error or timeout connecting to the client'))
      }, timeoutMs)
      // Redis connects without waiting, so a refused connection shows up when it writes.
      socket.once('error', () => {
        clearTimeout(timer)
        reject(new MigrateIoError('IOERR error or timeout writing to target instance'))
      })
      socket.connect({host, port}, () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new MigrateConnection(socket))
      })
    })
  }

  get broken(): boolean {
    return this.failed !== undefined
  }

  /** Sends `request` and reads `count` reply lines (without their CRLF), after any exchange already under way. */
  exchange(request: Buffer, count: number, timeoutMs: number): Promise<string[]> {
    const result = this.turn.then(() => this.exchangeNow(request, count, timeoutMs))
    this.turn = result.catch(() => undefined)
    return result
  }

  private async exchangeNow(request: Buffer, count: number, timeoutMs: number): Promise<string[]> {
    this.lastUsed = Date.now()
    if (this.failed) throw new MigrateIoError('IOERR error or timeout writing to target instance')
    this.socket.write(request)
    const lines: string[] = []
    const deadline = Date.now() + timeoutMs
    while (lines.length < count) {
      const end = this.pending.indexOf('\r\n')
      if (end !== -1) {
        lines.push(this.pending.slice(0, end))
        this.pending = this.pending.slice(end + 2)
        continue
      }

      if (this.failed) throw new MigrateIoError(READ_ERROR, lines)
      const arrived = await this.waitForData(deadline - Date.now())
      if (!arrived) throw new MigrateIoError(READ_ERROR, lines, true)
    }

    return lines
  }

  private waitForData(timeoutMs: number): Promise<boolean> {
    if (timeoutMs <= 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        resolve(false)
      }, timeoutMs)
      this.waiter = () => {
        clearTimeout(timer)
        this.waiter = undefined
        resolve(true)
      }
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

export class MigrateConnectionCache {
  private readonly connections = new Map<string, MigrateConnection>()
  private readonly sweeper = setInterval(() => this.closeIdle(), 1000)

  constructor() {
    this.sweeper.unref()
  }

  async get(host: string, port: number, timeoutMs: number): Promise<MigrateConnection> {
    const key = `${host}:${port}`
    const cached = this.connections.get(key)
    if (cached && !cached.broken) return cached
    cached?.close()
    const connection = await MigrateConnection.open(host, port, timeoutMs)
    this.connections.set(key, connection)
    return connection
  }

  drop(host: string, port: number): void {
    const key = `${host}:${port}`
    this.connections.get(key)?.close()
    this.connections.delete(key)
  }

  private closeIdle(): void {
    const now = Date.now()
    for (const [key, connection] of this.connections) {
      if (now - connection.lastUsed > IDLE_CLOSE_MS) {
        connection.close()
        this.connections.delete(key)
      }
    }
  }

  closeAll(): void {
    clearInterval(this.sweeper)
    for (const connection of this.connections.values()) connection.close()
    this.connections.clear()
  }
}

/**
 * Keys a MIGRATE is moving right now. Redis blocks the whole server during MIGRATE; this node keeps serving,
 * so a command on a key in flight waits for the move to end instead of changing a copy that is about to be
 * deleted (which would lose the write).
 */
export class KeysInFlight {
  private readonly moves = new Map<string, Promise<void>>()

  /** Marks `keys` as moving until the returned release is called. */
  hold(keys: readonly string[]): () => void {
    let release!: () => void
    const done = new Promise<void>((resolve) => (release = resolve))
    for (const key of keys) this.moves.set(key, done)
    return () => {
      for (const key of keys) if (this.moves.get(key) === done) this.moves.delete(key)
      release()
    }
  }

  get active(): boolean {
    return this.moves.size > 0
  }

  /** The end of the move of any of `keys`, or undefined when none is moving. */
  blockerFor(keys: readonly string[]): Promise<void> | undefined {
    for (const key of keys) {
      const move = this.moves.get(key)
      if (move) return move
    }

    return undefined
  }
}
