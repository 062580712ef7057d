import {crc64Bytes} from './crc64.js'
import {MAX_READ_RDB_VERSION, Opcode, WRITTEN_RDB_VERSION} from './encoding.js'
import {BadDataFormatError, RdbFileError} from './errors.js'
import {rdbTypeOf, readValue, writeValue} from './object.js'
import {RdbReader} from './reader.js'
import type {RdbEntry, RdbFileEntry} from './types.js'
import {RdbWriter} from './writer.js'

const MAGIC = 'REDIS'
const HEADER_SIZE = MAGIC.length + 4
/** RDB files carry a checksum after EOF since version 5. */
const FIRST_CHECKSUMMED_VERSION = 5
const CHECKSUM_SIZE = 8

export type RdbFileOptions = {
  /** Extra AUX fields, for example `repl-id` and `repl-offset` when the file feeds a replica. */
  aux?: Record<string, string>
  /** The creation time stamped in the `ctime` AUX field; now by default. */
  createdAtMs?: number
}

/**
 * A complete RDB file (version 9) holding `entries` in database 0, as redis-server loads and redis-check-rdb
 * accepts: header, AUX fields, SELECTDB, RESIZEDB, the keys with their expiry, EOF and the CRC-64 of all of it.
 */
export function writeRdbFile(entries: Iterable<RdbEntry>, options: RdbFileOptions = {}): Buffer {
  const keys = [...entries]
  const writer = new RdbWriter().bytes(Buffer.from(`${MAGIC}${String(WRITTEN_RDB_VERSION).padStart(4, '0')}`))
  const aux = {
    'redis-bits': '64',
    ctime: String(Math.floor((options.createdAtMs ?? Date.now()) / 1000)),
    'aof-base': '0',
    ...options.aux,
  }
  for (const [name, value] of Object.entries(aux))
    writer.byte(Opcode.Aux).string(Buffer.from(name)).string(Buffer.from(value))
  writer.byte(Opcode.SelectDb).length(0)
  const expiring = keys.filter((entry) => entry.expireAtMs !== undefined).length
  writer.byte(Opcode.ResizeDb).length(keys.length).length(expiring)
  for (const {key, value, expireAtMs} of keys) {
    if (expireAtMs !== undefined) writer.byte(Opcode.ExpireTimeMs).int64(BigInt(Math.trunc(expireAtMs)))
    writer.byte(rdbTypeOf(value)).string(key)
    writeValue(value, writer)
  }

  const signed = writer.byte(Opcode.Eof).toBuffer()
  return Buffer.concat([signed, crc64Bytes(signed)])
}

/**
 * The keys of an RDB file from Redis 2.4 to 7.4 or from writeRdbFile, expired ones included (the caller decides).
 * Throws RdbFileError for anything it cannot read: streams, modules, functions of the 7.0 release candidates,
 * a bad checksum.
 */
export function readRdbFile(file: Buffer): RdbFileEntry[] {
  const version = readHeader(file)
  const reader = new RdbReader(file)
  reader.take(HEADER_SIZE)
  try {
    const entries = readEntries(reader)
    verifyChecksum(file, reader, version)
    return entries
  } catch (error) {
    if (error instanceof BadDataFormatError) throw new RdbFileError(`corrupt RDB file: ${error.detail}`)
    throw error
  }
}

function readHeader(file: Buffer): number {
  const header = file.subarray(0, HEADER_SIZE).toString('latin1')
  const match = /^REDIS(\d{4})$/.exec(header)
  if (!match) throw new RdbFileError('not an RDB file: it does not start with REDIS and a 4-digit version')
  const version = Number(match[1])
  if (version < 1 || version > MAX_READ_RDB_VERSION) throw new RdbFileError(`unsupported RDB version ${version}`)
  return version
}

function readEntries(reader: RdbReader): RdbFileEntry[] {
  const entries: RdbFileEntry[] = []
  let db = 0
  let expireAtMs: number | undefined
  for (;;) {
    const opcode = reader.byte()
    switch (opcode) {
      case Opcode.Eof: {
        return entries
      }

      case Opcode.SelectDb: {
        db = reader.length()
        break
      }

      case Opcode.ExpireTimeMs: {
        expireAtMs = Number(reader.take(8).readBigInt64LE())
        break
      }

      case Opcode.ExpireTime: {
        expireAtMs = reader.take(4).readInt32LE() * 1000
        break
      }

      case Opcode.Aux: {
        reader.string()
        reader.string()
        break
      }

      case Opcode.ResizeDb: {
        reader.length()
        reader.length()
        break
      }

      case Opcode.SlotInfo: {
        // Slot id, keys in the slot, expiring keys in the slot: sizing hints only.
        reader.length()
        reader.length()
        reader.length()
        break
      }

      case Opcode.Idle: {
        reader.length()
        break
      }

      case Opcode.Freq: {
        reader.byte()
        break
      }

      case Opcode.Function2: {
        // A function library's source code: not data, and the embedded node has no functions.
        reader.string()
        break
      }

      case Opcode.FunctionPreGa:
      case Opcode.ModuleAux: {
        throw new RdbFileError(`unsupported RDB opcode ${opcode}`)
      }

      default: {
        const key = reader.string()
        const value = readValue(opcode, reader)
        entries.push(expireAtMs === undefined ? {db, key, value} : {db, expireAtMs, key, value})
        expireAtMs = undefined
      }
    }
  }
}

/** A stored checksum of zero means the writer had `rdbchecksum no`. */
function verifyChecksum(file: Buffer, reader: RdbReader, version: number): void {
  if (version < FIRST_CHECKSUMMED_VERSION) return
  const signedLength = reader.offset
  const stored = reader.take(CHECKSUM_SIZE)
  if (stored.every((byte) => byte === 0)) return
  if (!crc64Bytes(file.subarray(0, signedLength)).equals(stored)) throw new RdbFileError('RDB file checksum mismatch')
}
