/**
 * LZF, the compression Redis applies to strings longer than 20 bytes in DUMP payloads and RDB files.
 *
 * The stream is a sequence of chunks, each opened by a control byte:
 * - `000lllll`: a literal run of l + 1 bytes follows;
 * - `LLLooooo oooooooo`: a back reference of L + 2 bytes at distance o + 1 (13-bit offset);
 *   L = 7 means one more byte follows the control byte and is added to L.
 */
const MAX_LITERAL_RUN = 32
const MAX_OFFSET = 1 << 13
const SHORT_LENGTH_LIMIT = 7
const MAX_MATCH = SHORT_LENGTH_LIMIT + 255 + 2
const MIN_MATCH = 3
const HASH_BITS = 14

export class LzfError extends Error {
  constructor(message: string) {
    super(`LZF: ${message}`)
    this.name = 'LzfError'
  }
}

/** Decompresses `input` into exactly `outputLength` bytes, or throws when the stream does not produce that. */
export function lzfDecompress(compressed: Uint8Array, outputLength: number): Buffer {
  const input = asBuffer(compressed)
  const output = Buffer.alloc(outputLength)
  let inPos = 0
  let outPos = 0
  while (inPos < input.length) {
    const control = input.readUInt8(inPos++)
    if (control < MAX_LITERAL_RUN) {
      const runLength = control + 1
      if (inPos + runLength > input.length) throw new LzfError('literal run past the end of the input')
      if (outPos + runLength > outputLength) throw new LzfError('output longer than announced')
      output.set(input.subarray(inPos, inPos + runLength), outPos)
      inPos += runLength
      outPos += runLength
      continue
    }

    let matchLength = control >> 5
    if (matchLength === SHORT_LENGTH_LIMIT) matchLength += nextByte(input, inPos++)
    matchLength += 2
    let from = outPos - ((control & 0x1f) << 8) - nextByte(input, inPos++) - 1
    if (from < 0) throw new LzfError('back reference before the start of the output')
    if (outPos + matchLength > outputLength) throw new LzfError('output longer than announced')
    // Byte by byte on purpose: the source range may overlap the bytes being written (runs).
    for (let end = outPos + matchLength; outPos < end;) output[outPos++] = output.readUInt8(from++)
  }

  if (outPos !== outputLength) throw new LzfError(`output is ${outPos} bytes, ${outputLength} announced`)
  return output
}

function nextByte(input: Buffer, position: number): number {
  if (position >= input.length) throw new LzfError('back reference past the end of the input')
  return input.readUInt8(position)
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}

/**
 * Where each 3-byte prefix hash was last seen, shared by every call: an entry holds `tableBase` + position, so that
 * the entries of earlier calls read as unseen without clearing 64 KiB per call (which cost more than compressing
 * the short strings of an RDB file).
 */
const lastSeen = new Int32Array(1 << HASH_BITS)
let tableBase = 1

/**
 * Compresses `input` (greedy matching through a hash of 3-byte prefixes). The result may be longer than the input
 * for data that does not compress; callers compare the sizes.
 */
export function lzfCompress(uncompressed: Uint8Array): Buffer {
  const input = asBuffer(uncompressed)
  const output = Buffer.allocUnsafe(input.length + Math.ceil(input.length / MAX_LITERAL_RUN) + 1)
  if (tableBase + input.length >= 0x7fff_ffff) {
    lastSeen.fill(0)
    tableBase = 1
  }

  const base = tableBase
  tableBase += input.length + 1
  let outPos = 0
  let literalStart = 0

  const emitLiterals = (end: number) => {
    while (literalStart < end) {
      const runLength = Math.min(MAX_LITERAL_RUN, end - literalStart)
      output[outPos++] = runLength - 1
      output.set(input.subarray(literalStart, literalStart + runLength), outPos)
      outPos += runLength
      literalStart += runLength
    }
  }

  let pos = 0
  while (pos + MIN_MATCH <= input.length) {
    const hash = prefixHash(input, pos)
    const candidate = (lastSeen[hash] ?? 0) - base
    lastSeen[hash] = base + pos
    const distance = pos - candidate
    const matchLength = candidate < 0 || distance > MAX_OFFSET ? 0 : commonLength(input, candidate, pos)
    if (matchLength < MIN_MATCH) {
      pos++
      continue
    }

    emitLiterals(pos)
    const offset = distance - 1
    const lengthCode = matchLength - 2
    if (lengthCode < SHORT_LENGTH_LIMIT) {
      output[outPos++] = (lengthCode << 5) | (offset >> 8)
    } else {
      output[outPos++] = (SHORT_LENGTH_LIMIT << 5) | (offset >> 8)
      output[outPos++] = lengthCode - SHORT_LENGTH_LIMIT
    }

    output[outPos++] = offset & 0xff
    pos += matchLength
    literalStart = pos
  }

  emitLiterals(input.length)
  return output.subarray(0, outPos)
}

function prefixHash(input: Buffer, pos: number): number {
  const prefix = input.readUIntBE(pos, 3)
  return (Math.imul(prefix, 0x9e37_79b1) >>> (32 - HASH_BITS)) & ((1 << HASH_BITS) - 1)
}

function commonLength(input: Buffer, earlier: number, pos: number): number {
  const limit = Math.min(MAX_MATCH, input.length - pos)
  let length = 0
  while (length < limit && input[earlier + length] === input[pos + length]) length++
  return length
}
