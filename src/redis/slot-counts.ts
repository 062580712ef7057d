import {capabilitiesOf, type ServerIdentity} from '../cluster/capabilities/index.js'
import {toRanges} from '../cluster/slots.js'
import type {ClusterReader} from './discover.js'

/**
 * The keys one node holds in each of `slots`, in two round trips at most. Where the server has CLUSTER
 * SLOT-STATS, one SLOTSRANGE per contiguous range answers every slot its shard owns (a RESP2 reply of
 * [slot, ['key-count', n]] pairs); the slots it does not own, which SLOT-STATS leaves out, and every slot on other
 * servers, take one pipelined COUNTKEYSINSLOT each. A COUNTKEYSINSLOT error rejects: a count taken for 0 could
 * send fix or a planner the wrong way.
 */
export async function countKeysInSlots(
  pool: ClusterReader,
  address: string,
  slots: readonly number[],
  server: ServerIdentity,
): Promise<Map<number, number>> {
  const counts = capabilitiesOf(server).slotStats ? await slotStatsCounts(pool, address, slots) : new Map()
  const rest = slots.filter((slot) => !counts.has(slot))
  const replies =
    rest.length === 0
      ? []
      : await pool.pipeline(
          address,
          rest.map((slot) => ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
        )
  for (const [i, slot] of rest.entries()) {
    const reply = replies[i]
    if (reply instanceof Error) throw new Error(`CLUSTER COUNTKEYSINSLOT ${slot} on ${address}: ${reply.message}`)
    counts.set(slot, Number(reply))
  }
  return counts
}

async function slotStatsCounts(pool: ClusterReader, address: string, slots: readonly number[]) {
  const ranges = toRanges(slots)
  const replies = await pool.pipeline(
    address,
    ranges.map(({end, start}) => ['CLUSTER', 'SLOT-STATS', 'SLOTSRANGE', start, end]),
  )
  const counts = new Map<number, number>()
  for (const reply of replies) {
    if (!Array.isArray(reply)) continue
    for (const [slot, stats] of reply as [unknown, unknown[]][]) {
      const at = stats.indexOf('key-count')
      if (at >= 0) counts.set(Number(slot), Number(stats[at + 1]) || 0)
    }
  }

  return counts
}
