/**
 * RESP on the server side: an incremental request parser (multibulk and inline, with Redis' limits and
 * protocol error texts) and a reply writer that speaks RESP2 or RESP3 into one growing Buffer.
 */

const CR = 0x0d
const LF = 0x0a
const STAR = 0x2a
const DOLLAR = 0x24

/** Longest inline request or count line Redis buffers before it gives up (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX_SIZE = 64 * 1024
/** proto-max-bulk-len default. */
export const MAX_BULK_LENGTH = 512 * 1024 * 1024
const INT_MAX = 2_147_483_647
/** Before AUTH, Redis refuses bigger requests so that strangers cannot make it allocate much. */
const UNAUTHENTICATED_MAX_ARGS = 10
const UNAUTHENTICATED_MAX_BULK = 16_384

const EMPTY = Buffer.alloc(0)
/** What `next` hands back between requests; never written to. */
const NO_ARGS: Buffer[] = []
const PREALLOCATED_ARGS = 1024

/**
 * A Buffer that views part of another one. `subarray` makes the same view, but finds its constructor through
 * Symbol.species and Node's Buffer() shim, which costs more than the rest of parsing an argument.
 */
class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype)

function view(buffer: Buffer, start: number, end: number): Buffer {
  return new BufferView(buffer.buffer as ArrayBuffer, buffer.byteOffset + start, end - start) as Buffer
}

/**
 * The first CR at or after `from`, or -1. A loop in JS: the lines it looks through are a few bytes long
 * ("*3", "$5"), where Buffer.indexOf's call into C++ costs more than the search.
 */
function findCR(buffer: Buffer, from: number): number {
  for (let i = from; i < buffer.length; i++) if (buffer[i] === CR) return i
  return -1
}

/** A request the parser could not read; the server replies with `message` and closes the connection. */
export class ProtocolError extends Error {}

/** Parses an integer the way Redis' string2ll does: optional '-', digits, no spaces, no '+', no leading zeros. */
export function parseInteger(buffer: Buffer, start = 0, end = buffer.length): number | undefined {
  if (start >= end || end - start > 20) return undefined
  let i = start
  const negative = buffer[i] === 0x2d
  if (negative) i++
  if (i >= end) return undefined
  if (buffer[i] === 0x30 && end - i > 1) return undefined
  let value = 0
  for (; i < end; i++) {
    const digit = (buffer[i] ?? 0) - 0x30
    if (digit < 0 || digit > 9) return undefined
    value = value * 10 + digit
  }

  if (!Number.isSafeInteger(value)) return undefined
  return negative ? -value : value
}

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

/** Like parseInteger, for the whole int64 range (as a bigint); the slow path for big arguments. */
export function parseInt64(buffer: Buffer): bigint | undefined {
  const text = buffer.toString('latin1')
  if (!/^(-?[1-9]\d{0,18}|0)$/.test(text)) return undefined
  const value = BigInt(text)
  return value > INT64_MAX || value < INT64_MIN ? undefined : value
}

/**
 * Splits the bytes of requests as they arrive into argument vectors. Keeps its state between reads, and
 * collects the chunks of a big bulk argument until it is complete instead of concatenating on every read.
 */
export class RequestParser {
  private buffer: Buffer = EMPTY
  private position = 0
  /** Chunks received while a bulk of `awaitedBytes` bytes is still incomplete. */
  private parked: Buffer[] = []
  private parkedBytes = 0
  private awaitedBytes = 0
  private argsLeft = 0
  private bulkLength = -1
  private args: Buffer[] = NO_ARGS
  private argCount = 0
  /** The memory under `buffer`, read once per chunk: arguments are views of it. */
  private memory = EMPTY.buffer as ArrayBuffer
  private memoryOffset = 0

  private use(buffer: Buffer): void {
    this.buffer = buffer
    this.memory = buffer.buffer as ArrayBuffer
    this.memoryOffset = buffer.byteOffset
    this.position = 0
  }

  /** Adds bytes received from the connection. */
  append(chunk: Buffer): void {
    if (this.awaitedBytes > 0) {
      this.parked.push(chunk)
      this.parkedBytes += chunk.length
      if (this.parkedBytes < this.awaitedBytes) return
      this.use(Buffer.concat([this.buffer.subarray(this.position), ...this.parked]))
      this.parked = []
      this.parkedBytes = 0
      this.awaitedBytes = 0
    } else if (this.position < this.buffer.length) {
      this.use(Buffer.concat([this.buffer.subarray(this.position), chunk]))
    } else this.use(chunk)
  }

  /**
   * The next complete request, or undefined when more bytes are needed. Throws ProtocolError on a request
   * Redis would refuse. `authenticated` decides the size limits, so it is asked per request.
   */
  next(authenticated: boolean): Buffer[] | undefined {
    const buffer = this.buffer
    while (this.awaitedBytes === 0 && this.position < buffer.length) {
      const complete =
        this.argsLeft > 0 || buffer[this.position] === STAR
          ? this.parseMultibulk(buffer, authenticated)
          : this.parseInline(buffer)
      if (!complete) break
      const args = this.args
      this.args = NO_ARGS
      if (args.length > 0) return args
    }

    return undefined
  }

  /** Returns false when more bytes are needed. */
  private parseMultibulk(buffer: Buffer, authenticated: boolean): boolean {
    if (this.argsLeft === 0) {
      const lineEnd = findCR(buffer, this.position)
      if (lineEnd === -1) {
        if (buffer.length - this.position > INLINE_MAX_SIZE)
          throw new ProtocolError('Protocol error: too big mbulk count string')
        return false
      }

      if (lineEnd + 1 >= buffer.length) return false
      const count = parseInteger(buffer, this.position + 1, lineEnd)
      if (count === undefined || count > INT_MAX) throw new ProtocolError('Protocol error: invalid multibulk length')
      if (count > UNAUTHENTICATED_MAX_ARGS && !authenticated)
        throw new ProtocolError('Protocol error: unauthenticated multibulk length')
      this.position = lineEnd + 2
      if (count <= 0) return true
      this.argsLeft = count
      this.argCount = count
      // Sized up front unless a client asks for more than any command needs (it may never send them).
      this.args = count <= PREALLOCATED_ARGS ? new Array<Buffer>(count) : []
    }

    while (this.argsLeft > 0) {
      if (this.bulkLength === -1 && !this.readBulkLength(buffer, authenticated)) return false
      const end = this.position + this.bulkLength
      if (end + 2 > buffer.length) {
        this.awaitedBytes = end + 2 - this.position - (buffer.length - this.position)
        if (this.awaitedBytes < 4096) this.awaitedBytes = 0
        return false
      }

      this.args[this.argCount - this.argsLeft] = new BufferView(
        this.memory,
        this.memoryOffset + this.position,
        this.bulkLength,
      ) as Buffer
      this.position = end + 2
      this.bulkLength = -1
      this.argsLeft--
    }

    return true
  }

  private readBulkLength(buffer: Buffer, authenticated: boolean): boolean {
    const lineEnd = findCR(buffer, this.position)
    if (lineEnd === -1) {
      if (buffer.length - this.position > INLINE_MAX_SIZE)
        throw new ProtocolError('Protocol error: too big bulk count string')
      return false
    }

    if (lineEnd + 1 >= buffer.length) return false
    const marker = buffer[this.position] ?? 0
    if (marker !== DOLLAR) throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(marker)}'`)
    const length = parseInteger(buffer, this.position + 1, lineEnd)
    if (length === undefined || length < 0 || length > MAX_BULK_LENGTH)
      throw new ProtocolError('Protocol error: invalid bulk length')
    if (length > UNAUTHENTICATED_MAX_BULK && !authenticated)
      throw new ProtocolError('Protocol error: unauthenticated bulk length')
    this.position = lineEnd + 2
    this.bulkLength = length
    return true
  }

  private parseInline(buffer: Buffer): boolean {
    const newline = buffer.indexOf(LF, this.position)
    if (newline === -1) {
      if (buffer.length - this.position > INLINE_MAX_SIZE)
        throw new ProtocolError('Protocol error: too big inline request')
      return false
    }

    const end = newline > this.position && buffer[newline - 1] === CR ? newline - 1 : newline
    const args = splitInlineArgs(buffer.subarray(this.position, end))
    if (!args) throw new ProtocolError('Protocol error: unbalanced quotes in request')
    this.position = newline + 1
    this.args = args
    return true
  }
}

const ESCAPES: Record<string, number> = {a: 0x07, b: 0x08, n: 0x0a, r: 0x0d, t: 0x09}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d) || byte === 0
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1
  const char = String.fromCharCode(byte)
  return /^[0-9a-fA-F]$/.test(char) ? Number.parseInt(char, 16) : -1
}

/** Splits an inline request like sdssplitargs: spaces separate, "..." with escapes, '...' with \'. */
export function splitInlineArgs(line: Buffer): Buffer[] | undefined {
  const args: Buffer[] = []
  let i = 0
  while (true) {
    while (i < line.length && isSpace(line[i])) i++
    if (i >= line.length) return args
    const current: number[] = []
    let quote: 0 | 0x22 | 0x27 = 0
    for (;;) {
      const byte = line[i]
      if (quote === 0x22) {
        if (byte === undefined) return undefined
        if (byte === 0x5c && line[i + 1] === 0x78 && hexValue(line[i + 2]) >= 0 && hexValue(line[i + 3]) >= 0) {
          current.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]))
          i += 3
        } else if (byte === 0x5c && i + 1 < line.length) {
          i++
          const escaped = line[i] ?? 0
          current.push(ESCAPES[String.fromCharCode(escaped)] ?? escaped)
        } else if (byte === 0x22) {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return undefined
          i++
          break
        } else current.push(byte)
      } else if (quote === 0x27) {
        if (byte === undefined) return undefined
        if (byte === 0x5c && line[i + 1] === 0x27) {
          i++
          current.push(0x27)
        } else if (byte === 0x27) {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return undefined
          i++
          break
        } else current.push(byte)
      } else if (byte === undefined || isSpace(byte)) break
      else if (byte === 0x22 || byte === 0x27) quote = byte
      else current.push(byte)
      i++
    }

    args.push(Buffer.from(current))
  }
}

const CRLF = '\r\n'
const OK = Buffer.from('+OK\r\n')
const NULL_BULK_RESP2 = Buffer.from('$-1\r\n')
const NULL_ARRAY_RESP2 = Buffer.from('*-1\r\n')
const NULL_RESP3 = Buffer.from('_\r\n')
const COLON = 0x3a
const PERCENT = 0x25
const TILDE = 0x7e
/** Below this size bytes are copied in a JS loop: Buffer's copy and write cost a call into C++ each. */
const SHORT = 64
/** A writer keeps its buffer between flushes unless a big reply grew it past this. */
const INITIAL_BUFFER = 16 * 1024
const MAX_KEPT_BUFFER = 1024 * 1024

export type Protocol = 2 | 3

/** Formats a double like printf's %.17g, which is how Redis 7.0 replies with scores. */
export function formatDouble(value: number): string {
  if (value === Infinity) return 'inf'
  if (value === -Infinity) return '-inf'
  if (Number.isNaN(value)) return 'nan'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const [mantissa = '', exponentText = '0'] = value.toExponential(16).split('e')
  const exponent = Number(exponentText)
  const trim = (digits: string) => (digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits)
  if (exponent < -4 || exponent >= 17) {
    const sign = exponent < 0 ? '-' : '+'
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`
  }

  return trim(value.toFixed(16 - exponent))
}

/**
 * Replies for one connection, written into a growing Buffer that the server flushes once per read.
 * Methods take the connection's protocol into account, so commands describe replies, not bytes.
 */
export class ReplyWriter {
  protocol: Protocol = 2
  private buffer = Buffer.allocUnsafe(INITIAL_BUFFER)
  private length = 0

  get size(): number {
    return this.length
  }

  /** The replies written so far: a view of the writer's own buffer, not a copy. Call `sent` next. */
  pending(): Buffer {
    return view(this.buffer, 0, this.length)
  }

  /**
   * Starts empty again once `pending()` went to the socket. `socketHoldsBytes`: the socket could not write
   * them at once and keeps a reference, so the writer leaves that buffer to it and takes a new one.
   */
  sent(socketHoldsBytes: boolean): void {
    this.length = 0
    if (socketHoldsBytes || this.buffer.length > MAX_KEPT_BUFFER) this.buffer = Buffer.allocUnsafe(INITIAL_BUFFER)
  }

  /** Drops replies written after `mark` (used when a queued transaction is discarded). */
  truncate(mark: number): void {
    this.length = mark
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes))
    this.buffer.copy(grown, 0, 0, this.length)
    this.buffer = grown
  }

  private ascii(text: string): void {
    this.reserve(text.length)
    if (text.length > SHORT) {
      this.length += this.buffer.write(text, this.length, 'latin1')
      return
    }

    const {buffer, length} = this
    for (let i = 0; i < text.length; i++) buffer[length + i] = text.charCodeAt(i)
    this.length += text.length
  }

  /** `marker`, a count or integer, CRLF: the header of most replies, written without building a string. */
  private line(marker: number, value: number): void {
    if (!(value >= 0 && value <= INT_MAX)) {
      this.ascii(`${String.fromCharCode(marker)}${value}${CRLF}`)
      return
    }

    let digits = 1
    for (let rest = value; rest >= 10; rest = Math.trunc(rest / 10)) digits++
    this.reserve(digits + 3)
    const {buffer, length} = this
    buffer[length] = marker
    let at = length + digits
    for (let rest = value; at > length; rest = Math.trunc(rest / 10)) buffer[at--] = 0x30 + (rest % 10)
    buffer[length + digits + 1] = CR
    buffer[length + digits + 2] = LF
    this.length += digits + 3
  }

  raw(bytes: Buffer): void {
    this.reserve(bytes.length)
    if (bytes.length > SHORT) bytes.copy(this.buffer, this.length)
    else {
      const {buffer, length} = this
      for (let i = 0; i < bytes.length; i++) buffer[length + i] = bytes[i]!
    }

    this.length += bytes.length
  }

  ok(): void {
    this.raw(OK)
  }

  status(text: string): void {
    this.ascii(`+${text}${CRLF}`)
  }

  /** An error reply; `message` starts with its code (ERR, WRONGTYPE, MOVED...). */
  error(message: string): void {
    const text = message.replace(/[\r\n]/g, ' ')
    this.reserve(Buffer.byteLength(text) + 3)
    this.length += this.buffer.write(`-${text}${CRLF}`, this.length)
  }

  integer(value: number | bigint): void {
    if (typeof value === 'number') this.line(COLON, value)
    else this.ascii(`:${value}${CRLF}`)
  }

  bulk(value: Buffer | string): void {
    if (typeof value === 'string') {
      const bytes = Buffer.byteLength(value)
      this.line(DOLLAR, bytes)
      this.reserve(bytes + 2)
      this.length += this.buffer.write(value, this.length)
    } else {
      this.line(DOLLAR, value.length)
      this.raw(value)
    }

    this.reserve(2)
    this.buffer[this.length++] = CR
    this.buffer[this.length++] = LF
  }

  nullBulk(): void {
    this.raw(this.protocol === 3 ? NULL_RESP3 : NULL_BULK_RESP2)
  }

  nullArray(): void {
    this.raw(this.protocol === 3 ? NULL_RESP3 : NULL_ARRAY_RESP2)
  }

  array(count: number): void {
    this.line(STAR, count)
  }

  /** A map of `count` pairs: `%` in RESP3, a flat array in RESP2. */
  map(count: number): void {
    if (this.protocol === 3) this.line(PERCENT, count)
    else this.line(STAR, count * 2)
  }

  set(count: number): void {
    this.line(this.protocol === 3 ? TILDE : STAR, count)
  }

  double(value: number): void {
    if (this.protocol === 3) this.ascii(`,${formatDouble(value)}${CRLF}`)
    else this.bulk(formatDouble(value))
  }

  boolean(value: boolean): void {
    if (this.protocol === 3) this.ascii(value ? `#t${CRLF}` : `#f${CRLF}`)
    else this.integer(value ? 1 : 0)
  }

  /** Human-readable text (INFO, CLUSTER NODES): a verbatim string in RESP3, a bulk string in RESP2. */
  verbatim(text: string): void {
    if (this.protocol === 2) return this.bulk(text)
    const bytes = Buffer.byteLength(text) + 4
    this.reserve(bytes + 16)
    this.ascii(`=${bytes}${CRLF}txt:`)
    this.length += this.buffer.write(text, this.length)
    this.ascii(CRLF)
  }

  bulkArray(values: readonly (Buffer | string)[]): void {
    this.array(values.length)
    for (const value of values) this.bulk(value)
  }
}
