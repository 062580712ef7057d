/**
 * CRC-64/Jones as Redis computes it for DUMP payloads and RDB files: reflected polynomial 0x95ac9329ac4bc9b5
 * (0xad93d23594c935a9 unreflected), initial value 0, no final xor. Not CRC-64/ECMA-182.
 *
 * The 64-bit state is kept in two uint32 halves: BigInt arithmetic per byte would be far too slow for big values.
 */
const REFLECTED_POLY = 0x95ac9329ac4bc9b5n

const [TABLE_LOW, TABLE_HIGH] = buildTables()

function buildTables(): [Uint32Array, Uint32Array] {
  const low = new Uint32Array(256)
  const high = new Uint32Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = BigInt(byte)
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ REFLECTED_POLY : crc >> 1n
    low[byte] = Number(crc & 0xffff_ffffn)
    high[byte] = Number(crc >> 32n)
  }

  return [low, high]
}

export function crc64(data: Uint8Array): bigint {
  let low = 0
  let high = 0
  for (let i = 0; i < data.length; i++) {
    const index = (low ^ (data[i] ?? 0)) & 0xff
    low = (((low >>> 8) | (high << 24)) ^ (TABLE_LOW[index] ?? 0)) >>> 0
    high = ((high >>> 8) ^ (TABLE_HIGH[index] ?? 0)) >>> 0
  }

  return (BigInt(high) << 32n) | BigInt(low)
}

/** The checksum as Redis stores it: 8 bytes, little-endian. */
export function crc64Bytes(data: Uint8Array): Buffer {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64LE(crc64(data))
  return bytes
}
