/**
 * Hand-made DUMP payloads (type byte, body, 2-byte RDB version, CRC-64/Jones), written here independently of the
 * embedded node's codec so that both servers can be fed the same bytes.
 */
const TABLE = (() => {
  const table = new Array<bigint>(256)
  const poly = 0x95_ac_93_29_ac_4b_c9_b5n
  for (let i = 0; i < 256; i++) {
    let crc = BigInt(i)
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n
    table[i] = crc
  }

  return table
})()

/** CRC-64/Jones as Redis computes it (reflected, init 0): "123456789" gives 0xe9c6d914c4b8d9ca. */
export function crc64(bytes: Buffer): bigint {
  let crc = 0n
  for (const byte of bytes) crc = TABLE[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n)
  return crc
}

/** A payload: type byte + body, RDB version `version`, and the CRC (or `crc` to force a wrong one). */
export function payload(type: number, body: Buffer, version = 9, crc?: bigint): Buffer {
  const head = Buffer.concat([Buffer.from([type]), body, Buffer.from([version & 0xff, version >> 8])])
  const sum = Buffer.alloc(8)
  sum.writeBigUInt64LE(crc ?? crc64(head))
  return Buffer.concat([head, sum])
}

/** An RDB string: 6-bit length form (short strings only). */
export function rdbString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1')
  if (bytes.length >= 64) throw new Error('rdbString: short strings only')
  return Buffer.concat([Buffer.from([bytes.length]), bytes])
}

/** RDB length (6-bit form). */
export function rdbLength(n: number): Buffer {
  if (n >= 64) throw new Error('rdbLength: small lengths only')
  return Buffer.from([n])
}

export const RDB_TYPE = {hash: 4, list: 1, set: 2, string: 0, zset2: 5} as const

/** An 8-byte little-endian IEEE double (ZSET_2 scores). */
export function rdbDouble(value: number): Buffer {
  const bytes = Buffer.alloc(8)
  bytes.writeDoubleLE(value)
  return bytes
}
