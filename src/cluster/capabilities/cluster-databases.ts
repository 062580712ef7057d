import {isAtLeast, type ServerIdentity} from './identity.js'

/**
 * Numbered databases in cluster mode (Valkey 9.0): keys may live outside db0, so counting db0 alone (what
 * INFO keyspace's db0 gives) can miss keys that a slot move must carry.
 */
export const clusterDatabases = (server: ServerIdentity): boolean => isAtLeast(server, 'valkey', 9)
