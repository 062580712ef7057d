/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16_384

const CRC16_TABLE = buildCrc16Table()

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with. */
function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80_00 ? ((crc << 1) ^ 0x10_21) & 0xff_ff : (crc << 1) & 0xff_ff
    table[byte] = crc
  }

  return table
}

export function crc16(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xff_ff) ^ table(((crc >> 8) ^ data[i]!) & 0xff)
  return crc
}

function table(index: number): number {
  return CRC16_TABLE[index]!
}

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/**
 * Where a key's hash tag sits: when the key holds a `{` followed later by a `}` with at least one byte between
 * them, the bytes between the first `{` and the first `}` after it (Redis hashes only those).
 */
export function hashTagBounds(bytes: Uint8Array): {end: number; start: number} | undefined {
  const open = bytes.indexOf(OPEN_BRACE)
  if (open === -1) return undefined
  const close = bytes.indexOf(CLOSE_BRACE, open + 1)
  return close > open + 1 ? {end: close, start: open + 1} : undefined
}

/** The hash tag of a key, when it has one (see hashTagBounds). */
export function hashTag(key: string): string | undefined {
  const bytes = Buffer.from(key)
  const bounds = hashTagBounds(bytes)
  return bounds && bytes.subarray(bounds.start, bounds.end).toString()
}

/** The hash slot of a key, with Redis' hash-tag rule. */
export function keyHashSlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key
  const tag = hashTagBounds(bytes)
  return crc16(bytes, tag?.start, tag?.end) & (SLOT_COUNT - 1)
}
