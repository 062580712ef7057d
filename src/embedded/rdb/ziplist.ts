import {BadDataFormatError} from './errors.js'

const HEADER_SIZE = 10
const END = 0xff
const BIG_PREVIOUS_LENGTH = 0xfe
const UNKNOWN_COUNT = 0xffff
/** Encodings 0xF1 to 0xFD hold the values 0 to 12 in the encoding byte itself. */
const IMMEDIATE_MIN = 0xf1
const IMMEDIATE_MAX = 0xfd

/**
 * The entries of a ziplist blob (RDB types 10, 12, 13, 14: payloads and files from Redis 6.2 and older), integers as
 * decimal text. Validated deeply: header sizes, each entry's previous-length, the terminator and the count.
 */
export function decodeZiplist(blob: Buffer): Buffer[] {
  if (blob.length < HEADER_SIZE + 1) throw corrupt('shorter than its header')
  if (blob.readUInt32LE(0) !== blob.length) throw corrupt('total size does not match the blob')
  if (blob[blob.length - 1] !== END) throw corrupt('no terminator')
  if (blob.readUInt32LE(4) >= blob.length) throw corrupt('tail offset past the end')
  const declaredCount = blob.readUInt16LE(8)
  const entries: Buffer[] = []
  let position = HEADER_SIZE
  let previousSize = 0
  while (blob[position] !== END) {
    const start = position
    const {previous, headerSize} = readPreviousLength(blob, position)
    if (previous !== previousSize) throw corrupt('previous-length does not match the previous entry')
    position += headerSize
    const {value, size} = readEntry(blob, position)
    position += size
    if (position >= blob.length) throw corrupt('entry runs past the end')
    entries.push(value)
    previousSize = position - start
  }

  if (position !== blob.length - 1) throw corrupt('bytes after the terminator')
  if (declaredCount !== UNKNOWN_COUNT && declaredCount !== entries.length) throw corrupt('wrong element count')
  return entries
}

function readPreviousLength(blob: Buffer, position: number): {previous: number; headerSize: number} {
  const first = blob.readUInt8(position)
  if (first < BIG_PREVIOUS_LENGTH) return {headerSize: 1, previous: first}
  return {headerSize: 5, previous: checked(blob, position + 1, 4).readUInt32LE(position + 1)}
}

/** One entry's value and the size of its encoding + data. */
function readEntry(blob: Buffer, position: number): {value: Buffer; size: number} {
  const first = checked(blob, position, 1).readUInt8(position)
  switch (first >> 6) {
    case 0: {
      return stringEntry(blob, position, 1, first & 0x3f)
    }

    case 1: {
      return stringEntry(
        blob,
        position,
        2,
        ((first & 0x3f) << 8) | checked(blob, position + 1, 1).readUInt8(position + 1),
      )
    }

    case 2: {
      if (first !== 0x80) throw corrupt(`unknown string encoding 0x${first.toString(16)}`)
      return stringEntry(blob, position, 5, checked(blob, position + 1, 4).readUInt32BE(position + 1))
    }

    default: {
      return integerEntry(blob, position, first)
    }
  }
}

function integerEntry(blob: Buffer, position: number, encoding: number): {value: Buffer; size: number} {
  const data = position + 1
  if (encoding >= IMMEDIATE_MIN && encoding <= IMMEDIATE_MAX) {
    return {size: 1, value: Buffer.from(String(encoding - IMMEDIATE_MIN))}
  }

  const integer = (width: number, read: () => number | bigint) => {
    checked(blob, data, width)
    return {size: 1 + width, value: Buffer.from(String(read()))}
  }
  switch (encoding) {
    case 0xfe: {
      return integer(1, () => blob.readInt8(data))
    }

    case 0xc0: {
      return integer(2, () => blob.readInt16LE(data))
    }

    case 0xf0: {
      return integer(3, () => blob.readIntLE(data, 3))
    }

    case 0xd0: {
      return integer(4, () => blob.readInt32LE(data))
    }

    case 0xe0: {
      return integer(8, () => blob.readBigInt64LE(data))
    }

    default: {
      throw corrupt(`unknown integer encoding 0x${encoding.toString(16)}`)
    }
  }
}

function stringEntry(blob: Buffer, position: number, headerSize: number, length: number) {
  const start = position + headerSize
  checked(blob, start, length)
  return {size: headerSize + length, value: Buffer.from(blob.subarray(start, start + length))}
}

function checked(blob: Buffer, start: number, length: number): Buffer {
  if (start + length >= blob.length) throw corrupt('entry runs past the end')
  return blob
}

function corrupt(what: string): BadDataFormatError {
  return new BadDataFormatError(`ziplist: ${what}`)
}
