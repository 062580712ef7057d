import {BaseCommand} from '../base-command.js'
import {numberField} from '../cluster/info.js'
import {type ClusterSnapshot, masters, replicasOf} from '../cluster/snapshot.js'
import {countSlots} from '../cluster/slots.js'
import {nodeArg} from '../flags.js'
import {readCluster} from '../redis/discover.js'
import {renderTable} from '../ui/table.js'

export type MasterInfo = {
  address: string
  id: string
  keys: number
  replicas: number
  slots: number
  /** Bytes, from INFO memory used_memory. */
  usedMemory: number
}

export type InfoResult = {
  masters: MasterInfo[]
  totals: {keys: number; masters: number; replicas: number; slots: number; usedMemory: number}
}

export default class Info extends BaseCommand<typeof Info> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description =
    'Per master: keys (DBSIZE), slots, replicas and memory in use; then the totals. Keys are counted on masters only.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --json | jq .totals.keys',
  ]
  static override summary = 'Show keys, slots, replicas and memory per master.'

  async run(): Promise<InfoResult> {
    const result = summarise(await readCluster(await this.pool(), this.args.address))
    const rows = result.masters.map((m) => [
      m.address,
      m.id.slice(0, 8),
      m.keys,
      m.slots,
      m.replicas,
      formatBytes(m.usedMemory),
    ])
    const {totals} = result
    rows.push(['total', '', totals.keys, totals.slots, totals.replicas, formatBytes(totals.usedMemory)])
    this.log(renderTable(['MASTER', 'ID', 'KEYS', 'SLOTS', 'REPLICAS', 'MEMORY'], rows))
    this.log(
      `\n${totals.keys} keys in ${totals.masters} masters, ${(totals.keys / 16_384).toFixed(2)} keys per slot on average.`,
    )
    return result
  }
}

function summarise(snapshot: ClusterSnapshot): InfoResult {
  const list = masters(snapshot).map((master) => ({
    address: master.address,
    id: master.self.id,
    keys: master.keys,
    replicas: replicasOf(snapshot, master.self.id).length,
    slots: countSlots(master.self.slots),
    usedMemory: numberField(master.info, 'used_memory') ?? 0,
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
