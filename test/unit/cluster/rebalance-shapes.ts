/** What the rebalance planners' tests share: random cluster shapes and replaying a plan's steps. */
import assert from 'node:assert/strict'

import {SLOT_COUNT} from '../../../src/cluster/keyslot.js'
import type {MoveStep} from '../../../src/cluster/move-plan.js'
import type {RebalanceRequest} from '../../../src/cluster/rebalance-plan.js'
import type {MasterSlots} from '../../../src/cluster/reshard-plan.js'
import {slotsOf, toRanges} from '../../../src/cluster/slots.js'
import {nodeId} from '../../helpers/shapes.js'

export const request = (overrides: Partial<RebalanceRequest> = {}): RebalanceRequest => ({
  threshold: 2,
  useEmptyMasters: false,
  weights: new Map(),
  ...overrides,
})

/** Every slot given to one of `count` masters in runs of random length; some masters may end up empty. */
export function randomMasters(next: () => number, count: number): MasterSlots[] {
  const owned: number[][] = Array.from({length: count}, () => [])
  const skewed = Array.from({length: count}, () => next() ** 3)
  const total = skewed.reduce((a, b) => a + b, 0)
  const pick = () => {
    let at = next() * total
    for (const [i, weight] of skewed.entries()) if ((at -= weight) <= 0) return i
    return count - 1
  }

  for (let slot = 0; slot < SLOT_COUNT;) {
    const owner = pick()
    const run = 1 + Math.floor(next() * (next() < 0.5 ? 30 : 3000))
    for (let i = 0; i < run && slot < SLOT_COUNT; i++) owned[owner]!.push(slot++)
  }

  return owned.map((slots, i) => ({id: nodeId(i + 1), slots: toRanges(slots)}))
}

/** The masters after the steps, checking that each step gives slots its source holds at that point. */
export function applySteps(
  masters: readonly MasterSlots[],
  plan: {readonly steps: readonly MoveStep[]},
): Map<string, Set<number>> {
  const owned = new Map(masters.map((m) => [m.id, new Set(slotsOf(m.slots))]))
  const moved = new Set<number>()
  for (const step of plan.steps) {
    assert.notEqual(step.from, step.to)
    for (const slot of slotsOf(step.slots)) {
      assert.ok(owned.get(step.from)!.delete(slot), `slot ${slot} is not ${step.from}'s`)
      assert.ok(!moved.has(slot), `slot ${slot} moves twice`)
      moved.add(slot)
      owned.get(step.to)!.add(slot)
    }
  }

  return owned
}
