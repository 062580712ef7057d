/**
 * A DUMP payload RESTORE must refuse. The message is Redis' own reply text without the `ERR ` prefix, so the node
 * answers `-ERR ${error.message}` exactly as Redis does.
 */
export class DumpPayloadError extends Error {
  constructor(message = 'DUMP payload version or checksum are wrong') {
    super(message)
    this.name = 'DumpPayloadError'
  }
}

/**
 * The payload passed the version and checksum checks but its body is not a value we can load (truncated, corrupt,
 * empty collection, duplicate members, or a type we do not support such as streams and modules). Redis answers
 * these with `ERR Bad data format`; `detail` says what was wrong, for logs.
 */
export class BadDataFormatError extends DumpPayloadError {
  constructor(readonly detail: string) {
    super('Bad data format')
    this.name = 'BadDataFormatError'
  }
}

/** An RDB file that cannot be read: bad header, unsupported version or opcode, checksum mismatch, corrupt value. */
export class RdbFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RdbFileError'
  }
}
