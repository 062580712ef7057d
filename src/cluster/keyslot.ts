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
 * The hash slot of a key, with Redis' hash-tag rule: when the key holds a `{` followed later by a `}`
 * with at least one byte between them, only the bytes between the first `{` and the first `}` after it
 * are hashed.
 */
export function keyHashSlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key
  const open = bytes.indexOf(OPEN_BRACE)
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE_BRACE, open + 1)
    if (close > open + 1) return crc16(bytes, open + 1, close) & (SLOT_COUNT - 1)
  }

  return crc16(bytes) & (SLOT_COUNT - 1)
}
