import {isAtLeast, type ServerIdentity} from './identity.js'

/**
 * CLUSTER SLOT-STATS SLOTSRANGE (Valkey 8.0): the key count of a whole range of slots in one command, where
 * COUNTKEYSINSLOT takes one per slot. It answers only for the slots the node's shard owns.
 */
export const slotStats = (server: ServerIdentity): boolean => isAtLeast(server, 'valkey', 8)
