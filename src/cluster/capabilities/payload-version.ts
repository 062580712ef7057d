import {isAtLeast, type ServerIdentity} from './identity.js'

/** The RDB version a server's DUMP payloads carry, and the versions its RESTORE accepts (inclusive ranges). */
export type PayloadVersion = {
  readonly reads: readonly (readonly [number, number])[]
  readonly writes: number
}

/**
 * Redis reads every version up to its own. Valkey 9 jumped to 80 and, in its default rdb-version-check
 * strict, refuses 12-79: the range Redis 7.4 and later write, which Valkey does not understand.
 */
export function payloadVersion(server: ServerIdentity): PayloadVersion {
  if (isAtLeast(server, 'valkey', 9))
    return {
      reads: [
        [1, 11],
        [80, 80],
      ],
      writes: 80,
    }
  const writes = server.engine === 'valkey' ? 11 : redisWrites(server)
  return {reads: [[1, writes]], writes}
}

function redisWrites(server: ServerIdentity): number {
  if (isAtLeast(server, 'redis', 7, 4)) return 12
  if (isAtLeast(server, 'redis', 7, 2)) return 11
  return 10
}
