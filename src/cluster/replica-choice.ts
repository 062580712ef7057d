import {isFailed, isSuspected, type NodeLine} from './nodes.js'
import {countSlots} from './slots.js'

export type ReplicaChoiceOptions = {
  /** Masters that must not be chosen (the node being removed, say). */
  readonly exclude?: readonly string[]
  /** The host the new replica runs on: a master elsewhere survives the loss of that host. */
  readonly replicaHost: string
}

/**
 * The master a new replica should follow, in one cluster view: among healthy masters (those holding slots,
 * when any do), the fewest replicas first; on a tie, one on another host than the replica; then the lowest
 * id, so that the choice is stable. Undefined when no master qualifies.
 */
export function chooseMasterForReplica(view: readonly NodeLine[], options: ReplicaChoiceOptions): NodeLine | undefined {
  const excluded = new Set(options.exclude ?? [])
  const healthy = view.filter(
    (line) => line.role === 'master' && !excluded.has(line.id) && !isFailed(line) && !isSuspected(line),
  )
  const withSlots = healthy.filter((line) => countSlots(line.slots) > 0)
  const candidates = withSlots.length > 0 ? withSlots : healthy
  const replicaCount = (master: NodeLine) =>
    view.filter((line) => line.role === 'replica' && line.masterId === master.id && !isFailed(line)).length
  const sameHost = (master: NodeLine) => (master.host === options.replicaHost ? 1 : 0)
  return candidates
    .map((master) => ({key: [replicaCount(master), sameHost(master)] as const, master}))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.master.id < b.master.id ? -1 : 1))[0]?.master
}
