import type {Finding} from './checks.js'
import type {ClusterSnapshot} from './snapshot.js'
import {countSlots, formatRanges} from './slots.js'

/** One node in a backup's nodes.json: enough to rebuild the same topology, slot by slot. */
export type BackupNode = {
  address: string
  configEpoch: number
  flags: string[]
  id: string
  /** Slots this node was importing, with the source id, at the time of the backup. */
  importing: Record<string, string>
  masterId: string | null
  /** Slots this node was migrating, with the target id. */
  migrating: Record<string, string>
  /** The RDB file of this master, relative to the backup directory; null for a replica. */
  rdb: string | null
  role: 'master' | 'replica'
  slots: string
  slotsCount: number
}

export type BackupManifest = {
  createdAt: string
  /** What check found when the backup was taken: a backup of a broken cluster says so. */
  findings: Finding[]
  nodes: BackupNode[]
  seed: string
  version: 1
}

/** The file name of a master's RDB, as redis-cli names it: redis-node-HOST-PORT-ID.rdb. */
export function rdbFileName(address: string, id: string): string {
  const colon = address.lastIndexOf(':')
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '')
  return `redis-node-${host}-${address.slice(colon + 1)}-${id}.rdb`.replaceAll(/[^\w.-]/g, '_')
}

/** The topology as each reachable node sees itself, with the RDB each master is saved to. */
export function backupManifest(snapshot: ClusterSnapshot, findings: Finding[], createdAt: Date): BackupManifest {
  const nodes = snapshot.nodes.map(({address, self}): BackupNode => {
    const transfers = (list: typeof self.migrating) => Object.fromEntries(list.map((t) => [String(t.slot), t.peerId]))
    return {
      address,
      configEpoch: self.configEpoch,
      flags: self.flags.filter((flag) => flag !== 'myself'),
      id: self.id,
      importing: transfers(self.importing),
      masterId: self.masterId ?? null,
      migrating: transfers(self.migrating),
      rdb: self.role === 'master' ? rdbFileName(address, self.id) : null,
      role: self.role,
      slots: formatRanges(self.slots),
      slotsCount: countSlots(self.slots),
    }
  })
  return {createdAt: createdAt.toISOString(), findings, nodes, seed: snapshot.seed, version: 1}
}
