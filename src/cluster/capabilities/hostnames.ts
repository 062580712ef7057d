import {isAtLeast, type ServerIdentity} from './identity.js'

/**
 * cluster-announce-hostname (Redis 7.0, every Valkey): CLUSTER NODES carries `hostname=` aux fields, which is
 * what lets slotctl reach a node by the name its TLS certificate holds.
 */
export const hostnames = (server: ServerIdentity): boolean =>
  server.engine === 'valkey' || isAtLeast(server, 'redis', 7)
