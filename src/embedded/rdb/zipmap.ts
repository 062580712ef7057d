import {BadDataFormatError} from './errors.js'

const BIG_LENGTH = 254
const END = 255

/**
 * The field/value pairs of a zipmap blob (RDB type 9, hashes saved by Redis 2.4 and older):
 * a count byte, then per pair `<len>field<len><free>value<free bytes>`, then 255.
 * A length below 254 is one byte; 254 is followed by a 4-byte length.
 */
export function decodeZipmap(blob: Buffer): Array<[Buffer, Buffer]> {
  const pairs: Array<[Buffer, Buffer]> = []
  let position = 1
  const readLength = () => {
    const first = byteAt(blob, position++)
    if (first < BIG_LENGTH) return first
    if (first === END) throw corrupt('unexpected end')
    const length = blob.readUInt32LE(within(blob, position, 4))
    position += 4
    return length
  }
  const readBytes = (length: number) => {
    const bytes = Buffer.from(blob.subarray(within(blob, position, length), position + length))
    position += length
    return bytes
  }

  while (byteAt(blob, position) !== END) {
    const field = readBytes(readLength())
    const valueLength = readLength()
    const free = byteAt(blob, position++)
    const value = readBytes(valueLength)
    within(blob, position, free)
    position += free
    pairs.push([field, value])
  }

  if (position !== blob.length - 1) throw corrupt('bytes after the terminator')
  return pairs
}

function byteAt(blob: Buffer, position: number): number {
  const byte = blob[position]
  if (byte === undefined) throw corrupt('runs past the end')
  return byte
}

function within(blob: Buffer, start: number, length: number): number {
  if (start + length >= blob.length) throw corrupt('runs past the end')
  return start
}

function corrupt(what: string): BadDataFormatError {
  return new BadDataFormatError(`zipmap: ${what}`)
}
