import type {MoveStep} from '../../cluster/move-plan.js'
import type {ClusterSnapshot, NodeReading} from '../../cluster/snapshot.js'
import {slotsOf} from '../../cluster/slots.js'
import type {NodePool} from '../../redis/connection.js'
import {countKeysInSlots} from '../../redis/slot-counts.js'

/** The steps with the keys their slots hold now on each source (countKeysInSlots: SLOT-STATS where it exists). */
export async function withKeyEstimates(pool: NodePool, snapshot: ClusterSnapshot, steps: readonly MoveStep[]) {
  const sourceOf = new Map(snapshot.nodes.map((node) => [node.self.id, node]))
  return Promise.all(
    steps.map(async (step): Promise<MoveStep> => {
      const source = sourceOf.get(step.from)
      if (source === undefined) return step
      const counts = await countKeysInSlots(pool, source.address, [...slotsOf(step.slots)], source.server)
      let estimatedKeys = 0
      for (const keys of counts.values()) estimatedKeys += keys
      return {...step, estimatedKeys}
    }),
  )
}

/** Slot -> keys, for every slot the given masters own (countKeysInSlots on each, all at once). */
export async function keysInOwnedSlots(pool: NodePool, owners: readonly NodeReading[]): Promise<Map<number, number>> {
  const counts = await Promise.all(
    owners.map((node) => countKeysInSlots(pool, node.address, [...slotsOf(node.self.slots)], node.server)),
  )
  return new Map(counts.flatMap((perSlot) => [...perSlot]))
}
