/**
 * What a node's server can do, decided from its engine and version alone (read once per node from INFO
 * server): one small entry per capability, each in its own file with the reason it matters.
 */
import {atomicSlotMigration} from './atomic-slot-migration.js'
import {clusterDatabases} from './cluster-databases.js'
import {clusterShards} from './cluster-shards.js'
import {hostnames} from './hostnames.js'
import type {ServerIdentity} from './identity.js'
import {payloadVersion} from './payload-version.js'
import {slotStateReplication} from './slot-state-replication.js'
import {slotStats} from './slot-stats.js'

export {describeServer, isAtLeast, parseServerIdentity, type ServerIdentity} from './identity.js'
export type {PayloadVersion} from './payload-version.js'

const CAPABILITIES = {
  atomicSlotMigration,
  clusterDatabases,
  clusterShards,
  hostnames,
  payloadVersion,
  slotStateReplication,
  slotStats,
} as const

export type Capabilities = {readonly [Name in keyof typeof CAPABILITIES]: ReturnType<(typeof CAPABILITIES)[Name]>}

export function capabilitiesOf(server: ServerIdentity): Capabilities {
  const entries = Object.entries(CAPABILITIES).map(([name, of]) => [name, of(server)])
  return Object.fromEntries(entries) as Capabilities
}

/**
 * Whether a DUMP taken on `source` can be RESTOREd on `target`. A rolling upgrade moves keys from older or
 * same servers to same or newer ones; the other way round the target refuses the payload's version.
 */
export function canRestore(source: ServerIdentity, target: ServerIdentity): boolean {
  const {writes} = payloadVersion(source)
  return payloadVersion(target).reads.some(([from, to]) => writes >= from && writes <= to)
}
