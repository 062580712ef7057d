import {BadDataFormatError} from './errors.js'
import {
  ENCODED_STRING,
  LENGTH_14BIT,
  LENGTH_32BIT,
  LENGTH_64BIT,
  LENGTH_6BIT,
  STRING_INT16,
  STRING_INT32,
  STRING_INT8,
  STRING_LZF,
} from './encoding.js'
import {lzfDecompress} from './lzf.js'

/** Score bytes of the legacy ASCII double encoding (RDB type 3) that stand for values with no digits. */
const ASCII_DOUBLE_NAN = 253
const ASCII_DOUBLE_POSITIVE_INFINITY = 254
const ASCII_DOUBLE_NEGATIVE_INFINITY = 255

/** The most one LZF chunk can produce per input byte: 3 bytes of back reference yield 264. */
const LZF_MAX_EXPANSION = 88

/** A cursor over RDB-encoded bytes. Every read past the end or of an impossible encoding throws BadDataFormatError. */
export class RdbReader {
  offset = 0

  constructor(private readonly data: Buffer) {}

  get remaining(): number {
    return this.data.length - this.offset
  }

  byte(): number {
    return this.take(1).readUInt8(0)
  }

  take(count: number): Buffer {
    if (count > this.remaining)
      throw new BadDataFormatError(`truncated: ${count} bytes wanted at offset ${this.offset}`)
    const bytes = this.data.subarray(this.offset, this.offset + count)
    this.offset += count
    return bytes
  }

  /** A plain length; a special string encoding here is corrupt. */
  length(): number {
    const {encoded, value} = this.lengthOrEncoding()
    if (encoded) throw new BadDataFormatError(`string encoding ${value} where a length was expected`)
    return value
  }

  string(): Buffer {
    const {encoded, value} = this.lengthOrEncoding()
    if (!encoded) return Buffer.from(this.take(value))
    switch (value) {
      case STRING_INT8: {
        return Buffer.from(String(this.take(1).readInt8()))
      }

      case STRING_INT16: {
        return Buffer.from(String(this.take(2).readInt16LE()))
      }

      case STRING_INT32: {
        return Buffer.from(String(this.take(4).readInt32LE()))
      }

      case STRING_LZF: {
        return this.lzfString()
      }

      default: {
        throw new BadDataFormatError(`unknown string encoding ${value}`)
      }
    }
  }

  /** ZSET_2 scores: IEEE-754 binary64, little-endian. */
  binaryDouble(): number {
    return this.take(8).readDoubleLE()
  }

  /** Legacy zset scores: a length byte, then the number as text. */
  asciiDouble(): number {
    const length = this.byte()
    if (length === ASCII_DOUBLE_NAN) return Number.NaN
    if (length === ASCII_DOUBLE_POSITIVE_INFINITY) return Number.POSITIVE_INFINITY
    if (length === ASCII_DOUBLE_NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY
    return parseScore(this.take(length))
  }

  private lengthOrEncoding(): {encoded: boolean; value: number} {
    const first = this.byte()
    switch (first >> 6) {
      case ENCODED_STRING: {
        return {encoded: true, value: first & 0x3f}
      }

      case LENGTH_6BIT: {
        return {encoded: false, value: first & 0x3f}
      }

      case LENGTH_14BIT: {
        return {encoded: false, value: ((first & 0x3f) << 8) | this.byte()}
      }

      default: {
        if (first === LENGTH_32BIT) return {encoded: false, value: this.take(4).readUInt32BE()}
        if (first === LENGTH_64BIT) return {encoded: false, value: safeLength(this.take(8).readBigUInt64BE())}
        throw new BadDataFormatError(`unknown length encoding 0x${first.toString(16)}`)
      }
    }
  }

  private lzfString(): Buffer {
    const compressedLength = this.length()
    const originalLength = this.length()
    const compressed = this.take(compressedLength)
    // Checked before allocating: a corrupt length must not make us reserve gigabytes.
    if (originalLength > compressed.length * LZF_MAX_EXPANSION) {
      throw new BadDataFormatError(`LZF: ${compressed.length} bytes cannot expand to ${originalLength}`)
    }

    try {
      return lzfDecompress(compressed, originalLength)
    } catch (error) {
      throw new BadDataFormatError((error as Error).message)
    }
  }
}

function safeLength(length: bigint): number {
  if (length > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadDataFormatError(`length ${length} is too large`)
  return Number(length)
}

const INFINITY_TEXT = /^([+-]?)inf(?:inity)?$/i

/**
 * A score stored as text (legacy zsets, listpack and ziplist zsets): Redis writes `%.17g`, `inf` or `-inf`.
 * NaN and text that is no number are refused, as Redis refuses NaN scores on load.
 */
export function parseScore(text: Buffer): number {
  const source = text.toString('latin1')
  const score = parseDoubleText(source)
  if (Number.isNaN(score)) throw new BadDataFormatError(`score "${source}" is not a number`)
  return score
}

function parseDoubleText(source: string): number {
  const infinity = INFINITY_TEXT.exec(source)
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity
  // Number() reads blank text as 0; for a score it is no number at all.
  return source.trim() === '' ? Number.NaN : Number(source)
}
