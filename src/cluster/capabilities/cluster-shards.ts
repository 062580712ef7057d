import {isAtLeast, type ServerIdentity} from './identity.js'

/** CLUSTER SHARDS (Redis 7.0, every Valkey): the successor of CLUSTER SLOTS, with each node's health and role. */
export const clusterShards = (server: ServerIdentity): boolean =>
  server.engine === 'valkey' || isAtLeast(server, 'redis', 7)
