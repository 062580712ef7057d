import {compareAddresses} from '../cluster/address.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import type {SlotRange} from '../cluster/slots.js'

/** One node as `--json` output describes it. */
export type NodeSummary = {
  address: string
  configEpoch: number
  flags: string[]
  id: string
  keys: number
  masterId?: string
  reachable: boolean
  role: 'master' | 'replica'
  slots: SlotRange[]
}

export function describeNodes(snapshot: ClusterSnapshot): NodeSummary[] {
  const reachable: NodeSummary[] = snapshot.nodes.map(({address, keys, self}) => ({
    address,
    configEpoch: self.configEpoch,
    flags: self.flags.filter((flag) => flag !== 'myself'),
    id: self.id,
    keys,
    ...(self.masterId ? {masterId: self.masterId} : {}),
    reachable: true,
    role: self.role,
    slots: [...self.slots],
  }))
  const seen = new Map(snapshot.nodes[0]?.view.map((line) => [line.id, line]) ?? [])
  const unreachable: NodeSummary[] = snapshot.unreachable.map((node) => {
    const line = node.id ? seen.get(node.id) : undefined
    return {
      address: node.address,
      configEpoch: line?.configEpoch ?? 0,
      flags: line ? [...line.flags] : [],
      id: node.id ?? '',
      keys: 0,
      ...(line?.masterId ? {masterId: line.masterId} : {}),
      reachable: false,
      role: line?.role ?? 'master',
      slots: line ? [...line.slots] : [],
    }
  })
  return [...reachable, ...unreachable].sort((a, b) => compareAddresses(a.address, b.address))
}
