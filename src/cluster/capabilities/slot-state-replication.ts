import {isAtLeast, type ServerIdentity} from './identity.js'

/**
 * Valkey 8.0 replicates CLUSTER SETSLOT to the shard's replicas and blocks the caller until they acknowledge
 * (bounded by SETSLOT ... TIMEOUT ms), so a failover cannot lose a slot's state. A blocking command is refused
 * inside MULTI: on these servers SETSLOT must be sent on its own.
 */
export const slotStateReplication = (server: ServerIdentity): boolean => isAtLeast(server, 'valkey', 8)
