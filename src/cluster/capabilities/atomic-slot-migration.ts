import {isAtLeast, type ServerIdentity} from './identity.js'

/**
 * The server's own slot migration, which moves a slot's keys and ownership as one operation instead of
 * slotctl's SETSLOT + MIGRATE steps: Valkey 9.0 `CLUSTER MIGRATESLOTS`, Redis 8.4 `CLUSTER MIGRATION`.
 */
export function atomicSlotMigration(server: ServerIdentity): 'MIGRATESLOTS' | 'MIGRATION' | undefined {
  if (isAtLeast(server, 'valkey', 9)) return 'MIGRATESLOTS'
  if (isAtLeast(server, 'redis', 8, 4)) return 'MIGRATION'
  return undefined
}
