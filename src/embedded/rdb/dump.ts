import {crc64Bytes} from './crc64.js'
import {MAX_READ_RDB_VERSION, WRITTEN_RDB_VERSION} from './encoding.js'
import {DumpPayloadError} from './errors.js'
import {rdbTypeOf, readValue, writeValue} from './object.js'
import {RdbReader} from './reader.js'
import type {PortableValue} from './types.js'
import {RdbWriter} from './writer.js'

/** 2 bytes of RDB version, then 8 bytes of CRC-64, both little-endian. */
const FOOTER_SIZE = 10
const CHECKSUM_SIZE = 8

/**
 * The payload DUMP returns for `value`: type byte, body, RDB version 9 and CRC-64. Real Redis 5.0 to 7.4 and Valkey
 * RESTORE it, converting to their compact encodings themselves.
 */
export function encodeDump(value: PortableValue): Buffer {
  const writer = new RdbWriter().byte(rdbTypeOf(value))
  writeValue(value, writer)
  const version = Buffer.alloc(2)
  version.writeUInt16LE(WRITTEN_RDB_VERSION)
  const signed = writer.bytes(version).toBuffer()
  return Buffer.concat([signed, crc64Bytes(signed)])
}

/**
 * The value in a DUMP payload, checked as RESTORE checks it. Throws DumpPayloadError when the footer version is
 * newer than we read or the checksum is wrong, and BadDataFormatError (a DumpPayloadError with Redis' other text)
 * when the body does not hold a loadable value. Like Redis, bytes after the value are not checked.
 */
export function decodeDump(payload: Buffer): PortableValue {
  if (payload.length < FOOTER_SIZE) throw new DumpPayloadError()
  const version = payload.readUInt16LE(payload.length - FOOTER_SIZE)
  if (version > MAX_READ_RDB_VERSION) throw new DumpPayloadError()
  const signed = payload.subarray(0, payload.length - CHECKSUM_SIZE)
  if (!crc64Bytes(signed).equals(payload.subarray(payload.length - CHECKSUM_SIZE))) throw new DumpPayloadError()
  const reader = new RdbReader(payload.subarray(0, payload.length - FOOTER_SIZE))
  return readValue(reader.byte(), reader)
}
