/**
 * A small RESP2/RESP3 reply reader and a raw client connection, for differential tests that compare what two servers
 * put on the wire. Replies keep their type and their exact bytes (integers and doubles stay text), so `render` of a
 * parsed reply gives back the bytes the server sent.
 */
import {Socket, connect} from 'node:net'

import {encodeCommand} from '../../../src/redis/resp.js'

export type Reply =
  | {t: '+'; v: string}
  | {t: '-'; v: string}
  | {t: ':'; v: string}
  | {t: '$'; v: Buffer | null}
  | {t: '*'; v: Reply[] | null}
  | {t: '_'}
  | {t: ','; v: string}
  | {t: '#'; v: boolean}
  | {t: '('; v: string}
  | {t: '!'; v: Buffer}
  | {t: '='; format: string; v: Buffer}
  | {t: '%'; v: Array<[Reply, Reply]>}
  | {t: '~'; v: Reply[]}
  | {t: '>'; v: Reply[]}
  /** Not a reply: what a test observed instead (closed connection, timeout, a summary made by a normaliser). */
  | {t: 'note'; v: string}

export class ProtocolViolation extends Error {}

type Parsed = {reply: Reply; next: number}

function line(buf: Buffer, start: number): {text: string; next: number} | undefined {
  const end = buf.indexOf('\r\n', start, 'latin1')
  if (end === -1) return undefined
  return {next: end + 2, text: buf.toString('latin1', start, end)}
}

function count(text: string, type: string): number {
  if (!/^-?\d+$/.test(text)) throw new ProtocolViolation(`bad ${type} length ${JSON.stringify(text)}`)
  return Number(text)
}

/** Parses one complete reply at `start`, or returns undefined when more bytes are needed. Throws on malformed input. */
export function parseReply(buf: Buffer, start = 0): Parsed | undefined {
  if (start >= buf.length) return undefined
  const type = String.fromCharCode(buf[start]!)
  const header = line(buf, start + 1)
  if (!header) return undefined
  const {text, next} = header
  switch (type) {
    case '+':
    case '-': {
      return {next, reply: {t: type, v: text}}
    }

    case ':':
    case ',':
    case '(': {
      return {next, reply: {t: type, v: text}}
    }

    case '_': {
      if (text !== '') throw new ProtocolViolation(`bad null ${JSON.stringify(text)}`)
      return {next, reply: {t: '_'}}
    }

    case '#': {
      if (text !== 't' && text !== 'f') throw new ProtocolViolation(`bad boolean ${JSON.stringify(text)}`)
      return {next, reply: {t: '#', v: text === 't'}}
    }

    case '$':
    case '!':
    case '=': {
      const n = count(text, type)
      if (n < 0) {
        if (type !== '$' || n !== -1) throw new ProtocolViolation(`bad ${type} length ${n}`)
        return {next, reply: {t: '$', v: null}}
      }

      if (buf.length < next + n + 2) return undefined
      if (buf[next + n] !== 13 || buf[next + n + 1] !== 10)
        throw new ProtocolViolation(`${type}${n} not followed by CRLF`)
      const body = Buffer.from(buf.subarray(next, next + n))
      const after = next + n + 2
      if (type === '$') return {next: after, reply: {t: '$', v: body}}
      if (type === '!') return {next: after, reply: {t: '!', v: body}}
      if (n < 4 || body[3] !== 0x3a) throw new ProtocolViolation('verbatim string without a format prefix')
      return {next: after, reply: {format: body.toString('latin1', 0, 3), t: '=', v: body.subarray(4)}}
    }

    case '*':
    case '~':
    case '>':
    case '%': {
      const n = count(text, type)
      if (n < 0) {
        if (type !== '*' || n !== -1) throw new ProtocolViolation(`bad ${type} length ${n}`)
        return {next, reply: {t: '*', v: null}}
      }

      const items: Reply[] = []
      let at = next
      const total = type === '%' ? 2 * n : n
      for (let i = 0; i < total; i++) {
        const item = parseReply(buf, at)
        if (!item) return undefined
        items.push(item.reply)
        at = item.next
      }

      if (type === '%') {
        const pairs: Array<[Reply, Reply]> = []
        for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!])
        return {next: at, reply: {t: '%', v: pairs}}
      }

      return {next: at, reply: {t: type, v: items}}
    }

    default: {
      throw new ProtocolViolation(`unknown reply type byte 0x${buf[start]!.toString(16)}`)
    }
  }
}

/** The RESP bytes of a reply, as a latin1 string (one char per byte), so that assertion diffs stay readable. */
export function render(reply: Reply): string {
  switch (reply.t) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '(': {
      return `${reply.t}${reply.v}\r\n`
    }

    case '_': {
      return '_\r\n'
    }

    case '#': {
      return `#${reply.v ? 't' : 'f'}\r\n`
    }

    case '$': {
      return reply.v === null ? '$-1\r\n' : `$${reply.v.length}\r\n${reply.v.toString('latin1')}\r\n`
    }

    case '!': {
      return `!${reply.v.length}\r\n${reply.v.toString('latin1')}\r\n`
    }

    case '=': {
      return `=${reply.v.length + 4}\r\n${reply.format}:${reply.v.toString('latin1')}\r\n`
    }

    case '*': {
      return reply.v === null ? '*-1\r\n' : `*${reply.v.length}\r\n${reply.v.map(render).join('')}`
    }

    case '~':
    case '>': {
      return `${reply.t}${reply.v.length}\r\n${reply.v.map(render).join('')}`
    }

    case '%': {
      return `%${reply.v.length}\r\n${reply.v.map(([k, v]) => render(k) + render(v)).join('')}`
    }

    case 'note': {
      return `<${reply.v}>`
    }
  }
}

/** Text of a simple string, error, bulk or verbatim reply; undefined for other types. */
export function textOf(reply: Reply | undefined): string | undefined {
  if (!reply) return undefined
  if (reply.t === '+' || reply.t === '-' || reply.t === ':' || reply.t === ',') return reply.v
  if (reply.t === '$') return reply.v?.toString('latin1')
  if (reply.t === '=' || reply.t === '!') return reply.v.toString('latin1')
  return undefined
}

export function bulk(text: string | Buffer): Reply {
  return {t: '$', v: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1')}
}

export type Arg = string | Buffer

type Waiter = {reject: (error: Error) => void; resolve: (reply: Reply) => void; timer: NodeJS.Timeout}

/** One raw client connection: write bytes, read complete replies in order, see the server close. */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0)
  private readonly pending: Buffer[] = []
  private pendingLength = 0
  /** How many buffered bytes the next reply needs at least (0: unknown). */
  private needed = 0
  private readonly replies: Reply[] = []
  private readonly waiters: Waiter[] = []
  private readonly closeWaiters: Array<() => void> = []
  private failure: Error | undefined
  closed = false

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => {})
    socket.on('close', () => this.onClose())
  }

  static open(host: string, port: number, timeoutMs = 5000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({host, port})
      socket.setNoDelay(true)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to ${host}:${port} timed out`))
      }, timeoutMs)
      socket.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      socket.once('connect', () => {
        clearTimeout(timer)
        resolve(new RespConnection(socket))
      })
    })
  }

  private onData(chunk: Buffer): void {
    // A large bulk reply arrives in many chunks: gather them until the announced length is there, instead of
    // concatenating and re-parsing on every chunk.
    this.pending.push(chunk)
    this.pendingLength += chunk.length
    if (this.buffer.length + this.pendingLength < this.needed) return
    this.buffer = Buffer.concat([this.buffer, ...this.pending.splice(0)])
    this.pendingLength = 0
    this.needed = 0
    let at = 0
    try {
      for (;;) {
        const parsed = parseReply(this.buffer, at)
        if (!parsed) break
        at = parsed.next
        this.deliver(parsed.reply)
      }
    } catch (error) {
      this.failure = error as Error
      for (const waiter of this.waiters.splice(0)) {
        clearTimeout(waiter.timer)
        waiter.reject(this.failure)
      }
    }

    this.buffer = this.buffer.subarray(at)
    const header = this.buffer[0] === 0x24 ? line(this.buffer, 1) : undefined
    if (header && /^\d+$/.test(header.text)) this.needed = header.next + Number(header.text) + 2
  }

  private deliver(reply: Reply): void {
    const waiter = this.waiters.shift()
    if (!waiter) {
      this.replies.push(reply)
      return
    }

    clearTimeout(waiter.timer)
    waiter.resolve(reply)
  }

  private onClose(): void {
    this.closed = true
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error('connection closed'))
    }

    for (const notify of this.closeWaiters.splice(0)) notify()
  }

  write(data: Buffer | string): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
  }

  send(argv: Arg[]): void {
    this.write(encodeCommand(argv))
  }

  /** The next complete reply. Rejects if the connection closes first, the bytes are malformed, or on timeout. */
  read(timeoutMs = 15_000): Promise<Reply> {
    const ready = this.replies.shift()
    if (ready) return Promise.resolve(ready)
    if (this.failure) return Promise.reject(this.failure)
    if (this.closed) return Promise.reject(new Error('connection closed'))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.findIndex((waiter) => waiter.timer === timer)
        if (index !== -1) this.waiters.splice(index, 1)
        reject(new Error(`no reply within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push({reject, resolve, timer})
    })
  }

  /** Like `read`, but a closed connection or a timeout becomes a `note` reply, so it can be compared too. */
  async readOrNote(timeoutMs = 15_000): Promise<Reply> {
    try {
      return await this.read(timeoutMs)
    } catch (error) {
      const message = (error as Error).message
      if (message === 'connection closed') return {t: 'note', v: 'closed'}
      if (message.startsWith('no reply')) return {t: 'note', v: 'no reply'}
      return {t: 'note', v: `malformed reply: ${message}`}
    }
  }

  async call(argv: Arg[], timeoutMs = 15_000): Promise<Reply> {
    this.send(argv)
    return this.read(timeoutMs)
  }

  /** Whether the server closes the connection within `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.closeWaiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /** Replies that arrived without anyone reading them. */
  get unread(): number {
    return this.replies.length
  }

  close(): void {
    this.socket.destroy()
  }
}

/** Opens a connection, runs `fn`, closes it. */
export async function withConnection<T>(
  host: string,
  port: number,
  fn: (connection: RespConnection) => Promise<T>,
): Promise<T> {
  const connection = await RespConnection.open(host, port)
  try {
    return await fn(connection)
  } finally {
    connection.close()
  }
}

/** Sends one command on a fresh connection and returns its reply; throws if the reply is an error. */
export async function command(host: string, port: number, argv: Arg[], password?: string): Promise<Reply> {
  return withConnection(host, port, async (connection) => {
    if (password) await connection.call(['AUTH', password])
    const reply = await connection.call(argv)
    if (reply.t === '-') throw new Error(`${argv.join(' ')} on ${host}:${port}: ${reply.v}`)
    return reply
  })
}
