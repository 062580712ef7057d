/** RDB length prefixes (top two bits of the first byte) and the special string encodings (`11eeeeee`). */
export const LENGTH_6BIT = 0
export const LENGTH_14BIT = 1
export const LENGTH_32BIT = 0x80
export const LENGTH_64BIT = 0x81
export const ENCODED_STRING = 3

export const STRING_INT8 = 0
export const STRING_INT16 = 1
export const STRING_INT32 = 2
export const STRING_LZF = 3

/** RDB object type bytes (rdb.h). */
export const RdbType = {
  String: 0,
  List: 1,
  Set: 2,
  ZsetAscii: 3,
  Hash: 4,
  Zset: 5,
  Module: 6,
  Module2: 7,
  HashZipmap: 9,
  ListZiplist: 10,
  SetIntset: 11,
  ZsetZiplist: 12,
  HashZiplist: 13,
  ListQuicklist: 14,
  StreamListpacks: 15,
  HashListpack: 16,
  ZsetListpack: 17,
  ListQuicklist2: 18,
  StreamListpacks2: 19,
  SetListpack: 20,
  StreamListpacks3: 21,
  HashMetadataPreGa: 22,
  HashListpackExPreGa: 23,
  HashMetadata: 24,
  HashListpackEx: 25,
} as const

/** RDB file opcodes (rdb.h). */
export const Opcode = {
  SlotInfo: 244,
  Function2: 245,
  FunctionPreGa: 246,
  ModuleAux: 247,
  Idle: 248,
  Freq: 249,
  Aux: 250,
  ResizeDb: 251,
  ExpireTimeMs: 252,
  ExpireTime: 253,
  SelectDb: 254,
  Eof: 255,
} as const

/**
 * The RDB version stamped on what we write. 9 (Redis 5.0 to 6.2) is at or below the RDB_VERSION of every Redis
 * since 5.0 and every Valkey, so all of them RESTORE and load it; the legacy types we emit all exist in version 9.
 */
export const WRITTEN_RDB_VERSION = 9

/**
 * The newest RDB version we read: 12, what Redis 7.4 writes (7.0 writes 10, 7.2 writes 11). Like Redis, we refuse
 * anything newer because its types may mean things we do not know.
 */
export const MAX_READ_RDB_VERSION = 12

/**
 * A canonical decimal integer as Redis' string2ll accepts it: no sign other than a leading minus, no leading
 * zeros, no "-0", within int64.
 */
const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]{0,18})$/

export function parseCanonicalInteger(bytes: Uint8Array): bigint | undefined {
  if (bytes.length === 0 || bytes.length > 20) return undefined
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
  if (!CANONICAL_INTEGER.test(text)) return undefined
  const value = BigInt(text)
  return BigInt.asIntN(64, value) === value ? value : undefined
}
