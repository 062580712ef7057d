/** A command and its arguments, as sent to a node. */
export type Command = ReadonlyArray<number | string>

const CRLF_BYTES = Buffer.from('\r\n')

/**
 * A command as every client sends it: a RESP multibulk request. The one encoder for slotctl's connections,
 * the embedded node's MIGRATE and replication links, and the test harness.
 */
export function encodeCommand(args: ReadonlyArray<Buffer | number | string>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg))
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF_BYTES)
  }

  return Buffer.concat(parts)
}

/** A RESP2 reply: simple and bulk strings are text, a nil is null, an error reply is a ReplyError. */
export type Reply = null | number | Reply[] | ReplyError | string

/** The error a node answered a command with (`-ERR ...`): the command failed, the connection did not. */
export class ReplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReplyError'
  }
}

type Parsed = {readonly end: number; readonly reply: Reply}
/** A reply whose bytes have not all arrived: no attempt can succeed before the buffer holds `needed` bytes. */
type Incomplete = {readonly needed: number}

const CR_LF = '\r\n'

/**
 * Cuts a stream of bytes into RESP2 replies. Chunks of a reply not yet complete are kept, unjoined, until
 * enough bytes have arrived for it (a bulk string announces its length), so a large reply costs one copy
 * whatever the number of reads it spans.
 */
export class RespParser {
  private buffered = 0
  private chunks: Buffer[] = []
  private needed = 1

  /** Adds bytes read from the socket; returns every reply they complete. Throws on bytes that are not RESP. */
  feed(chunk: Buffer): Reply[] {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    if (this.buffered < this.needed) return []
    const bytes = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered)
    const replies: Reply[] = []
    let offset = 0
    let parsed = parseReply(bytes, offset)
    while ('reply' in parsed) {
      replies.push(parsed.reply)
      offset = parsed.end
      parsed = parseReply(bytes, offset)
    }

    const rest = bytes.subarray(offset)
    this.chunks = rest.length > 0 ? [rest] : []
    this.buffered = rest.length
    this.needed = parsed.needed - offset
    return replies
  }
}

/** The reply that starts at `start`, or how many bytes the buffer must hold before it can be read. */
function parseReply(bytes: Buffer, start: number): Incomplete | Parsed {
  const lineEnd = bytes.indexOf(CR_LF, start)
  if (lineEnd === -1) return {needed: bytes.length + 1}
  const line = bytes.toString('utf8', start + 1, lineEnd)
  const next = lineEnd + CR_LF.length
  switch (bytes[start]) {
    case 0x2b: // +
      return {end: next, reply: line}
    case 0x2d: // -
      return {end: next, reply: new ReplyError(line)}
    case 0x3a: // :
      return {end: next, reply: Number(line)}
    case 0x24: // $
      return parseBulk(bytes, next, lengthOf(line))
    case 0x2a: // *
      return parseArray(bytes, next, lengthOf(line))
    default:
      throw new Error(`protocol error: the node sent ${JSON.stringify(bytes.toString('utf8', start, lineEnd))}`)
  }
}

function parseBulk(bytes: Buffer, start: number, length: number): Incomplete | Parsed {
  if (length < 0) return {end: start, reply: null}
  const end = start + length
  if (bytes.length < end + CR_LF.length) return {needed: end + CR_LF.length}
  return {end: end + CR_LF.length, reply: bytes.toString('utf8', start, end)}
}

function parseArray(bytes: Buffer, start: number, count: number): Incomplete | Parsed {
  if (count < 0) return {end: start, reply: null}
  const items: Reply[] = []
  let end = start
  while (items.length < count) {
    const item = parseReply(bytes, end)
    if (!('reply' in item)) return item
    items.push(item.reply)
    end = item.end
  }

  return {end, reply: items}
}

function lengthOf(line: string): number {
  const length = Number(line)
  if (!Number.isSafeInteger(length)) throw new Error(`protocol error: bad length ${JSON.stringify(line)}`)
  return length
}
