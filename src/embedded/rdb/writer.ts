import {
  ENCODED_STRING,
  LENGTH_14BIT,
  LENGTH_32BIT,
  LENGTH_64BIT,
  STRING_INT16,
  STRING_INT32,
  STRING_INT8,
  STRING_LZF,
  parseCanonicalInteger,
} from './encoding.js'
import {lzfCompress} from './lzf.js'

/** Redis tries integer encoding only for strings this short: "-2147483648" is 11 bytes. */
const MAX_INTEGER_STRING_LENGTH = 11
/** Redis does not try LZF on shorter strings: they cannot shrink enough to pay for the header. */
const MIN_COMPRESSIBLE_LENGTH = 21
/** Like Redis, keep the compressed form only when it saves at least this much. */
const MIN_COMPRESSION_SAVING = 4

/** An append-only buffer of RDB-encoded bytes. */
export class RdbWriter {
  private data = Buffer.allocUnsafe(256)
  private size = 0

  byte(value: number): this {
    this.reserve(1)
    this.data[this.size++] = value
    return this
  }

  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length)
    this.data.set(bytes, this.size)
    this.size += bytes.length
    return this
  }

  length(length: number): this {
    if (length < 1 << 6) return this.byte(length)
    if (length < 1 << 14) return this.byte((LENGTH_14BIT << 6) | (length >> 8)).byte(length & 0xff)
    if (length <= 0xffff_ffff) {
      const bytes = Buffer.allocUnsafe(4)
      bytes.writeUInt32BE(length)
      return this.byte(LENGTH_32BIT).bytes(bytes)
    }

    const bytes = Buffer.allocUnsafe(8)
    bytes.writeBigUInt64BE(BigInt(length))
    return this.byte(LENGTH_64BIT).bytes(bytes)
  }

  /** A string the way Redis saves one: as an integer when it is a small canonical one, else LZF if that pays, else raw. */
  string(value: Uint8Array): this {
    return this.integerString(value) ?? this.compressedString(value) ?? this.length(value.length).bytes(value)
  }

  /** A ZSET_2 score: IEEE-754 binary64, little-endian. */
  binaryDouble(value: number): this {
    const bytes = Buffer.allocUnsafe(8)
    bytes.writeDoubleLE(value)
    return this.bytes(bytes)
  }

  /** An 8-byte little-endian integer, as RDB files store expiry times in milliseconds. */
  int64(value: bigint): this {
    const bytes = Buffer.allocUnsafe(8)
    bytes.writeBigInt64LE(value)
    return this.bytes(bytes)
  }

  toBuffer(): Buffer {
    return Buffer.from(this.data.subarray(0, this.size))
  }

  private integerString(value: Uint8Array): this | undefined {
    if (value.length > MAX_INTEGER_STRING_LENGTH) return undefined
    const integer = parseCanonicalInteger(value)
    if (integer === undefined) return undefined
    const number = Number(integer)
    const encoded = Buffer.allocUnsafe(4)
    if (number >= -0x80 && number < 0x80) {
      encoded.writeInt8(number)
      return this.byte((ENCODED_STRING << 6) | STRING_INT8).bytes(encoded.subarray(0, 1))
    }

    if (number >= -0x8000 && number < 0x8000) {
      encoded.writeInt16LE(number)
      return this.byte((ENCODED_STRING << 6) | STRING_INT16).bytes(encoded.subarray(0, 2))
    }

    if (number >= -0x8000_0000 && number < 0x8000_0000) {
      encoded.writeInt32LE(number)
      return this.byte((ENCODED_STRING << 6) | STRING_INT32).bytes(encoded)
    }

    return undefined
  }

  private compressedString(value: Uint8Array): this | undefined {
    if (value.length < MIN_COMPRESSIBLE_LENGTH) return undefined
    const compressed = lzfCompress(value)
    if (compressed.length > value.length - MIN_COMPRESSION_SAVING) return undefined
    return this.byte((ENCODED_STRING << 6) | STRING_LZF)
      .length(compressed.length)
      .length(value.length)
      .bytes(compressed)
  }

  private reserve(count: number): void {
    if (this.size + count <= this.data.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.size + count))
    this.data.copy(grown, 0, 0, this.size)
    this.data = grown
  }
}
