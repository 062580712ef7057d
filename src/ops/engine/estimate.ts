import type {MoveStep} from '../../cluster/move-plan.js'
import type {ClusterSnapshot} from '../../cluster/snapshot.js'
import {slotsOf} from '../../cluster/slots.js'
import type {NodePool} from '../../redis/connection.js'
import {pipelined} from './pipeline.js'

/** The steps with the keys their slots hold now on each source (one pipelined COUNTKEYSINSLOT per slot). */
export async function withKeyEstimates(pool: NodePool, snapshot: ClusterSnapshot, steps: readonly MoveStep[]) {
  const addressOf = new Map(snapshot.nodes.map((node) => [node.self.id, node.address]))
  return Promise.all(
    steps.map(async (step): Promise<MoveStep> => {
      const address = addressOf.get(step.from)
      if (address === undefined) return step
      const slots = [...slotsOf(step.slots)]
      const outcomes = await pipelined(
        await pool.connect(address),
        slots.map((slot) => ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
      )
      const estimatedKeys = outcomes.reduce((sum, outcome) => sum + (Number(outcome.reply) || 0), 0)
      return {...step, estimatedKeys}
    }),
  )
}
