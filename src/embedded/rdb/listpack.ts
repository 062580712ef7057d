import {BadDataFormatError} from './errors.js'

const HEADER_SIZE = 6
const END = 0xff
/** A header element count of 0xFFFF means "too many to count here": walk the entries instead. */
const UNKNOWN_COUNT = 0xffff

/**
 * The entries of a listpack blob (RDB types 16, 17, 18, 20), integers as decimal text. Validated deeply, since the
 * node will trust the result: header size, every entry and its back-length, the terminator and the count.
 */
export function decodeListpack(blob: Buffer): Buffer[] {
  if (blob.length < HEADER_SIZE + 1) throw corrupt('shorter than its header')
  if (blob.readUInt32LE(0) !== blob.length) throw corrupt('total size does not match the blob')
  if (blob[blob.length - 1] !== END) throw corrupt('no terminator')
  const declaredCount = blob.readUInt16LE(4)
  const entries: Buffer[] = []
  let position = HEADER_SIZE
  while (blob[position] !== END) {
    const {value, size} = readEntry(blob, position)
    const backLengthSize = backLengthBytes(size)
    if (position + size + backLengthSize >= blob.length) throw corrupt('entry runs past the end')
    if (readBackLength(blob, position + size, backLengthSize) !== size) throw corrupt('bad back-length')
    entries.push(value)
    position += size + backLengthSize
  }

  if (position !== blob.length - 1) throw corrupt('bytes after the terminator')
  if (declaredCount !== UNKNOWN_COUNT && declaredCount !== entries.length) throw corrupt('wrong element count')
  return entries
}

/** One entry's value and the size of its encoding + data (without the back-length). */
function readEntry(blob: Buffer, position: number): {value: Buffer; size: number} {
  const first = blob.readUInt8(position)
  if (first < 0x80) return {size: 1, value: integerText(first)}
  if (first < 0xc0) return stringEntry(blob, position, 1, first & 0x3f)
  if (first < 0xe0) {
    const raw = ((first & 0x1f) << 8) | byteAt(blob, position + 1)
    return {size: 2, value: integerText(raw >= 1 << 12 ? raw - (1 << 13) : raw)}
  }

  if (first < 0xf0) return stringEntry(blob, position, 2, ((first & 0x0f) << 8) | byteAt(blob, position + 1))
  const data = position + 1
  switch (first) {
    case 0xf0: {
      return stringEntry(blob, position, 5, checked(blob, data, 4).readUInt32LE(data))
    }

    case 0xf1: {
      return {size: 3, value: integerText(checked(blob, data, 2).readInt16LE(data))}
    }

    case 0xf2: {
      return {size: 4, value: integerText(checked(blob, data, 3).readIntLE(data, 3))}
    }

    case 0xf3: {
      return {size: 5, value: integerText(checked(blob, data, 4).readInt32LE(data))}
    }

    case 0xf4: {
      return {size: 9, value: integerText(checked(blob, data, 8).readBigInt64LE(data))}
    }

    default: {
      throw corrupt(`unknown entry encoding 0x${first.toString(16)}`)
    }
  }
}

function stringEntry(blob: Buffer, position: number, headerSize: number, length: number) {
  const start = position + headerSize
  checked(blob, start, length)
  return {size: headerSize + length, value: Buffer.from(blob.subarray(start, start + length))}
}

/** The back-length stores the entry size in 7-bit groups: one byte up to 127, then one more per 7 bits. */
function backLengthBytes(size: number): number {
  if (size <= 127) return 1
  if (size < 16_383) return 2
  if (size < 2_097_151) return 3
  if (size < 268_435_455) return 4
  return 5
}

/** Written most significant group first, every byte after the first with its high bit set. */
function readBackLength(blob: Buffer, position: number, byteCount: number): number {
  let value = 0
  for (let i = 0; i < byteCount; i++) value = value * 128 + (blob.readUInt8(position + i) & 0x7f)
  return value
}

function integerText(value: number | bigint): Buffer {
  return Buffer.from(String(value))
}

function byteAt(blob: Buffer, position: number): number {
  const byte = blob[position]
  if (byte === undefined) throw corrupt('entry runs past the end')
  return byte
}

function checked(blob: Buffer, start: number, length: number): Buffer {
  if (start + length >= blob.length) throw corrupt('entry runs past the end')
  return blob
}

function corrupt(what: string): BadDataFormatError {
  return new BadDataFormatError(`listpack: ${what}`)
}
