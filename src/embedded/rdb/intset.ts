import {BadDataFormatError} from './errors.js'

const HEADER_SIZE = 8

/** The members of an intset blob (RDB type 11) as decimal text: u32 width (2, 4 or 8), u32 count, sorted LE ints. */
export function decodeIntset(blob: Buffer): Buffer[] {
  if (blob.length < HEADER_SIZE) throw corrupt('shorter than its header')
  const width = blob.readUInt32LE(0)
  const count = blob.readUInt32LE(4)
  if (width !== 2 && width !== 4 && width !== 8) throw corrupt(`element width ${width}`)
  if (count === 0) throw corrupt('no elements')
  if (blob.length !== HEADER_SIZE + count * width) throw corrupt('size does not match the element count')
  const members: Buffer[] = []
  let previous: bigint | undefined
  for (let i = 0; i < count; i++) {
    const value = readElement(blob, HEADER_SIZE + i * width, width)
    // Sorted and unique is what makes the set valid; a violation means a corrupt or hostile payload.
    if (previous !== undefined && value <= previous) throw corrupt('elements not in ascending order')
    members.push(Buffer.from(String(value)))
    previous = value
  }

  return members
}

function readElement(blob: Buffer, offset: number, width: number): bigint {
  if (width === 8) return blob.readBigInt64LE(offset)
  return BigInt(width === 4 ? blob.readInt32LE(offset) : blob.readInt16LE(offset))
}

function corrupt(what: string): BadDataFormatError {
  return new BadDataFormatError(`intset: ${what}`)
}
