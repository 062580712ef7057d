import {describeServer, type ServerIdentity} from '../cluster/capabilities/index.js'
import {numberField} from '../cluster/info.js'
import {type ClusterSnapshot, mastersBySlot, replicasOf} from '../cluster/snapshot.js'
import {countSlots} from '../cluster/slots.js'
import {type ClusterReader, readCluster} from '../redis/discover.js'
import {renderTable} from '../ui/table.js'
import type {Output} from './output.js'

export type MasterInfo = {
  address: string
  engine: ServerIdentity['engine']
  id: string
  keys: number
  replicas: number
  slots: number
  /** Bytes, from INFO memory used_memory. */
  usedMemory: number
  /** As INFO server reports it: valkey_version on Valkey, redis_version on Redis. */
  version: string
}

export type InfoResult = {
  masters: MasterInfo[]
  totals: {keys: number; masters: number; replicas: number; slots: number; usedMemory: number}
}

/** `slotctl info`: per master its server, keys, slots, replicas and memory, then the totals. */
export async function info(pool: ClusterReader, address: string, out: Output): Promise<InfoResult> {
  const result = summarise(await readCluster(pool, address))
  const rows = result.masters.map((m) => [
    m.address,
    m.id.slice(0, 8),
    describeServer(m),
    m.keys,
    m.slots,
    m.replicas,
    formatBytes(m.usedMemory),
  ])
  const {totals} = result
  rows.push(['total', '', '', totals.keys, totals.slots, totals.replicas, formatBytes(totals.usedMemory)])
  out.log(renderTable(['MASTER', 'ID', 'SERVER', 'KEYS', 'SLOTS', 'REPLICAS', 'MEMORY'], rows))
  out.log(
    `\n${totals.keys} keys in ${totals.masters} masters, ${(totals.keys / 16_384).toFixed(2)} keys per slot on average.`,
  )
  return result
}

/** Exported for its unit test. */
export function summarise(snapshot: ClusterSnapshot): InfoResult {
  const list = mastersBySlot(snapshot).map((master) => ({
    address: master.address,
    engine: master.server.engine,
    id: master.self.id,
    keys: master.keys,
    replicas: replicasOf(snapshot, master.self.id).length,
    slots: countSlots(master.self.slots),
    usedMemory: numberField(master.info, 'used_memory') ?? 0,
    version: master.server.version,
  }))
  const sum = (pick: (m: MasterInfo) => number) => list.reduce((total, m) => total + pick(m), 0)
  return {
    masters: list,
    totals: {
      keys: sum((m) => m.keys),
      masters: list.length,
      replicas: sum((m) => m.replicas),
      slots: sum((m) => m.slots),
      usedMemory: sum((m) => m.usedMemory),
    },
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }

  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}
