/**
 * The portable form of a Redis value: what DUMP, RESTORE, MIGRATE and RDB files carry, independent of how the
 * embedded node stores it. Members and fields are raw bytes; integers are their decimal text.
 */
export type PortableValue =
  | {type: 'string'; value: Buffer}
  | {type: 'list'; items: Buffer[]}
  | {type: 'set'; members: Buffer[]}
  | {type: 'hash'; entries: Array<[field: Buffer, value: Buffer]>}
  | {type: 'zset'; entries: Array<[member: Buffer, score: number]>}

/** One key of an RDB file. */
export type RdbEntry = {
  key: Buffer
  value: PortableValue
  /** Absolute expiry, Unix time in milliseconds. */
  expireAtMs?: number
}

/** One key read back from an RDB file, with the database it was stored in. */
export type RdbFileEntry = RdbEntry & {db: number}
