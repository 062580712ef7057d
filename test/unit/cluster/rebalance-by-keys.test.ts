import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type KeyRebalancePlan, planRebalanceByKeys} from '../../../src/cluster/rebalance-by-keys.js'
import type {RebalanceRequest} from '../../../src/cluster/rebalance-plan.js'
import type {MasterSlots} from '../../../src/cluster/reshard-plan.js'
import {type SlotRange, slotsOf, toRanges} from '../../../src/cluster/slots.js'
import {evenThreePlusEmpty, nodeId, range, seededRandom} from '../../helpers/shapes.js'
import {applySteps, randomMasters, request} from './rebalance-shapes.js'

const evenThree = evenThreePlusEmpty.slice(0, 3)

/** Slot -> keys, `perSlot(slot)` in each slot of the masters. */
function keysOf(masters: readonly MasterSlots[], perSlot: (slot: number, master: number) => number) {
  const keys = new Map<number, number>()
  for (const [i, master] of masters.entries()) for (const slot of slotsOf(master.slots)) keys.set(slot, perSlot(slot, i))
  return keys
}

const keysHeld = (slots: Iterable<number>, keys: ReadonlyMap<number, number>) => {
  let sum = 0
  for (const slot of slots) sum += keys.get(slot) ?? 0
  return sum
}

/**
 * Replays the plan and checks what holds for every plan: each slot owned once, `after` as replayed, no master
 * both giving and taking, givers never with more ranges, every master within max(tolerance, largest slot) of
 * its share, masters of weight 0 emptied, step estimates right, heavySlots exactly when a master is outside.
 */
function checkPlan(masters: readonly MasterSlots[], keys: ReadonlyMap<number, number>, plan: KeyRebalancePlan) {
  const owned = applySteps(masters, plan)
  const all = [...owned.values()].flatMap((slots) => [...slots])
  assert.equal(new Set(all).size, all.length, 'a slot is owned twice')
  assert.equal(all.length, masters.reduce((sum, m) => sum + [...slotsOf(m.slots)].length, 0), 'a slot was lost')
  const givers = new Set(plan.steps.map((s) => s.from))
  for (const step of plan.steps) {
    assert.ok(!givers.has(step.to), `${step.to.slice(0, 2)} gives and takes`)
    assert.equal(step.estimatedKeys, keysHeld(slotsOf(step.slots), keys))
  }

  const largest = Math.max(0, ...keys.values())
  let outside = 0
  for (const master of plan.balance) {
    const now = keysHeld(owned.get(master.id)!, keys)
    const shape = `${master.id.slice(0, 2)}: ${master.before} -> ${now} keys, share ${master.share} ± ${master.tolerance}`
    assert.equal(now, master.after, shape)
    assert.ok(Math.abs(now - master.share) <= Math.max(master.tolerance, largest), shape)
    if (Math.abs(now - master.share) > master.tolerance) outside++
    if (master.weight === 0) assert.equal(owned.get(master.id)!.size, 0, `${shape}: weight 0 keeps slots`)
    if (givers.has(master.id)) {
      const before = toRanges(slotsOf(masters.find((m) => m.id === master.id)!.slots)).length
      assert.ok(toRanges(owned.get(master.id)!).length <= before, `${shape}: a giver's range was split`)
    }
  }

  assert.equal(plan.heavySlots.length > 0, outside > 0, JSON.stringify(plan.heavySlots))
  return owned
}

/** Slot keys: mostly a few, some empty, and now and then a hash-tagged slot of up to `heavy` keys. */
function randomKeys(next: () => number, masters: readonly MasterSlots[], heavy: number): Map<number, number> {
  const factor = masters.map(() => 1 + Math.floor(next() * 4))
  return keysOf(masters, (_, i) => {
    const roll = next()
    if (roll < 0.3) return 0
    return roll < 0.99 ? Math.floor(next() * 4 * factor[i]!) : Math.floor(next() * heavy)
  })
}

/** The same masters in another order, their ranges cut in pieces and listed backwards. */
function reshuffled(masters: readonly MasterSlots[], next: () => number): MasterSlots[] {
  const cut = (slots: readonly SlotRange[]) =>
    slots
      .flatMap((r) => {
        const middle = r.start + Math.floor(next() * (r.end - r.start + 1))
        return middle > r.start ? [range(r.start, middle - 1), range(middle, r.end)] : [r]
      })
      .reverse()
  return [...masters].reverse().map((m) => ({id: m.id, slots: cut(m.slots)}))
}

describe('planRebalanceByKeys', () => {
  it('moves keys, not slots: a master with three times the keys per slot gives ends of its range to the others', () => {
    const keys = keysOf(evenThree, (_, i) => (i === 0 ? 3 : 1))
    const plan = planRebalanceByKeys(evenThree, keys, request({threshold: 5}))
    assert.equal(plan.unit, 'keys')
    const owned = checkPlan(evenThree, keys, plan)
    for (const master of plan.balance) assert.ok(Math.abs(master.after - master.share) <= master.tolerance)
    assert.deepEqual(
      plan.steps.map((s) => `${s.from.slice(0, 2)}>${s.to.slice(0, 2)}`).sort(),
      ['01>02', '01>03'],
    )
    // The giver keeps one range; each receiver gets one more.
    assert.equal(toRanges(owned.get(nodeId(1))!).length, 1)
    for (const n of [2, 3]) assert.ok(toRanges(owned.get(nodeId(n))!).length <= 2)
  })

  it('moves nothing when the keys are already within the threshold, even if the slots are not', () => {
    const masters = [
      {id: nodeId(1), slots: [range(0, 999)]},
      {id: nodeId(2), slots: [range(1000, 16_383)]},
    ]
    const keys = keysOf(masters, (slot) => (slot < 1000 ? 100 : 7))
    // 100,000 and 107,688 keys: 3.7% from a share of 103,844.
    const plan = planRebalanceByKeys(masters, keys, request({threshold: 5}))
    assert.deepEqual(plan.steps, [])
    assert.deepEqual(
      plan.balance.map((m) => m.after),
      [100_000, 107_688],
    )
    assert.deepEqual(plan.heavySlots, [])
  })

  it('lets the givers give more before a master within its tolerance gives anything', () => {
    // Shares of 1000 keys, ±100: the first gives, the third takes more than that, the second is within.
    const masters = [
      {id: nodeId(1), slots: [range(0, 1299)]},
      {id: nodeId(2), slots: [range(1300, 2389)]},
      {id: nodeId(3), slots: [range(2390, 2999)]},
    ]
    const keys = keysOf(masters, () => 1)
    const plan = planRebalanceByKeys(masters, keys, request({threshold: 10}))
    checkPlan(masters, keys, plan)
    assert.deepEqual(
      plan.steps.map((s) => [s.from, s.to]),
      [[nodeId(1), nodeId(3)]],
    )
    assert.equal(plan.balance[1]!.after, 1090)
  })

  it('empties a master of weight 0, its empty slots too, whatever the threshold', () => {
    const keys = keysOf(evenThree, (slot, i) => (i === 1 && slot % 2 === 0 ? 0 : 1 + (slot % 3)))
    const plan = planRebalanceByKeys(evenThree, keys, request({threshold: 50, weights: new Map([[nodeId(2), 0]])}))
    const owned = checkPlan(evenThree, keys, plan)
    assert.equal(owned.get(nodeId(2))!.size, 0)
    // A master of weight 0 with slots but no keys gives its slots too.
    const none = keysOf(evenThree, (_, i) => (i === 2 ? 0 : 1))
    const emptied = planRebalanceByKeys(evenThree, none, request({weights: new Map([[nodeId(3), 0]])}))
    assert.equal(checkPlan(evenThree, none, emptied).get(nodeId(3))!.size, 0)
  })

  it('follows weights: 2:1:1:1 gives the first two fifths of the keys, with --threshold 0 as near as slots allow', () => {
    const masters = [...evenThree, {id: nodeId(4), slots: [] as SlotRange[]}]
    const keys = keysOf(masters, (slot) => 1 + (slot % 5))
    const plan = planRebalanceByKeys(
      masters,
      keys,
      request({threshold: 0, useEmptyMasters: true, weights: new Map([[nodeId(1), 2]])}),
    )
    checkPlan(masters, keys, plan)
    const total = keysHeld(keys.keys(), keys)
    assert.equal(plan.balance[0]!.share, Math.round((total * 2) / 5))
    // Slots hold 1 to 5 keys: each master ends within 5 of its share (checkPlan), the first one too.
    assert.ok(Math.abs(plan.balance[0]!.after - plan.balance[0]!.share) <= 5, JSON.stringify(plan.balance))
  })

  it('says so when one slot holds more keys than a tolerance, and does not move it to no gain', () => {
    // 9000 keys in slot 100, nothing elsewhere: wherever that slot is, one master holds them all.
    const keys = new Map([[100, 9000]])
    const plan = planRebalanceByKeys(evenThree, keys, request())
    checkPlan(evenThree, keys, plan)
    assert.deepEqual(plan.steps, [])
    assert.deepEqual(plan.heavySlots, [{keys: 9000, owner: nodeId(1), slot: 100}])
    // Two such slots: one moves, and the rest is as close as whole slots allow.
    const two = new Map([
      [100, 4500],
      [200, 4500],
    ])
    const split = planRebalanceByKeys(evenThree, two, request())
    checkPlan(evenThree, two, split)
    assert.deepEqual(
      split.balance.map((m) => m.after).sort(),
      [0, 4500, 4500],
    )
    assert.equal(split.heavySlots.length, 2)
  })

  it('gives the slots that bring a giver nearest its share, and no more', () => {
    // 100 and 72 keys, shares of 86 with --threshold 0: one slot of 10 leaves 90 (4 off), two would leave 80.
    const masters = [
      {id: nodeId(1), slots: [range(0, 9)]},
      {id: nodeId(2), slots: [range(10, 10)]},
    ]
    const keys = new Map([...Array.from({length: 10}, (_, slot) => [slot, 10] as const), [10, 72]])
    const plan = planRebalanceByKeys(masters, keys, request({threshold: 0}))
    checkPlan(masters, keys, plan)
    assert.deepEqual(
      plan.balance.map((m) => m.after),
      [90, 82],
    )
    assert.deepEqual(plan.steps[0]!.slots, [range(9, 9)])
  })

  it('when a slot too big to move holds a giver back, the next giver and the receiver end level', () => {
    // 15,000 keys, shares of 5000: the first holds 9000 in one slot, the second 6000, the third none.
    const masters = [
      {id: nodeId(1), slots: [range(0, 4999)]},
      {id: nodeId(2), slots: [range(5000, 10_999)]},
      {id: nodeId(3), slots: [range(11_000, 16_383)]},
    ]
    const keys = keysOf(masters, (slot) => (slot === 7 ? 9000 : slot >= 5000 && slot < 11_000 ? 1 : 0))
    const plan = planRebalanceByKeys(masters, keys, request())
    checkPlan(masters, keys, plan)
    // Not 5000 and 1000 (the receiver 80% short) nor 1000 and 5000 (the second giver).
    assert.deepEqual(
      plan.balance.map((m) => m.after),
      [9000, 3000, 3000],
    )
    assert.deepEqual(plan.heavySlots, [{keys: 9000, owner: nodeId(1), slot: 7}])
  })

  it('passes on what rounding to whole slots leaves, so that it does not pile up on the last receiver', () => {
    // Ten givers of 44 keys (10, 10, 4, 10, 10) and one receiver of none: shares of 40. No giver alone is nearer
    // its share for giving a slot of 10, but the receiver needs 40.
    const givers = Array.from({length: 10}, (_, i) => ({id: nodeId(i + 1), slots: [range(5 * i, 5 * i + 4)]}))
    const masters = [...givers, {id: nodeId(11), slots: [range(50, 50)]}]
    const keys = keysOf(masters, (slot) => (slot === 50 ? 0 : slot % 5 === 2 ? 4 : 10))
    const plan = planRebalanceByKeys(masters, keys, request({threshold: 0}))
    checkPlan(masters, keys, plan)
    assert.ok(Math.abs(plan.balance[10]!.after - 40) <= 5, JSON.stringify(plan.balance.map((m) => m.after)))
  })

  it('refuses a negative weight, a threshold out of 0-100 and all weights 0, naming the flag', () => {
    const keys = keysOf(evenThree, () => 1)
    const plan = (overrides: Partial<RebalanceRequest>) => () => planRebalanceByKeys(evenThree, keys, request(overrides))
    assert.throws(plan({weights: new Map([[nodeId(1), -1]])}), /--weight/)
    assert.throws(plan({threshold: 101}), /--threshold/)
    assert.throws(plan({threshold: Number.NaN}), /--threshold/)
    assert.throws(plan({weights: new Map([nodeId(1), nodeId(2), nodeId(3)].map((n) => [n, 0]))}), /weigh 0/)
  })

  it('on 300 random shapes: within max(tolerance, largest slot), few keys moved, the same plan in any input order', () => {
    const next = seededRandom(11)
    for (let round = 0; round < 300; round++) {
      const masters = randomMasters(next, 2 + Math.floor(next() * 12))
      const heavy = [1, 50, 500, 20_000][Math.floor(next() * 4)]!
      const keys = randomKeys(next, masters, heavy)
      const weights = new Map<string, number>()
      for (const master of masters) if (next() < 0.3) weights.set(master.id, Math.floor(next() * 4))
      const holders = masters.filter((master) => master.slots.length > 0)
      if (holders.every((master) => weights.get(master.id) === 0)) weights.delete(holders[0]!.id)
      const threshold = [0, 1, 2, 5, 10][Math.floor(next() * 5)]!
      const asked = request({threshold, useEmptyMasters: next() < 0.5, weights})
      const plan = planRebalanceByKeys(masters, keys, asked)
      try {
        checkPlan(masters, keys, plan)
      } catch (error) {
        throw new Error(`round ${round}: ${(error as Error).message}`)
      }

      // The fewest keys moved: what masters outside their tolerance must give or take (aiming inside it by the
      // largest slot, as the planner does), plus at most one slot's worth.
      const largest = Math.max(0, ...keys.values())
      const inner = (m: KeyRebalancePlan['balance'][number]) => (m.weight === 0 ? 0 : Math.max(0, m.tolerance - largest))
      const out = plan.balance.reduce((sum, m) => sum + Math.max(0, m.before - m.share - inner(m)), 0)
      const into = plan.balance.reduce((sum, m) => sum + Math.max(0, m.share - inner(m) - m.before), 0)
      const moved = plan.steps.reduce((sum, s) => sum + s.estimatedKeys!, 0)
      assert.ok(moved <= Math.max(out, into) + largest, `round ${round}: ${moved} keys moved, ${out}/${into} needed`)
      assert.ok(plan.steps.length <= 2 * plan.balance.length, `round ${round}: ${plan.steps.length} steps`)
      if (round % 10 === 0) {
        const backwards = new Map([...keys].reverse())
        assert.deepEqual(planRebalanceByKeys(reshuffled(masters, next), backwards, asked), plan, `round ${round}`)
      }
    }
  })

  it('plans 16384 slots over 1000 masters in one pass', () => {
    const next = seededRandom(3)
    const masters = randomMasters(next, 1000)
    const keys = randomKeys(next, masters, 100)
    const plan = planRebalanceByKeys(masters, keys, request({useEmptyMasters: true}))
    checkPlan(masters, keys, plan)
    assert.equal(keysHeld(keys.keys(), keys), plan.balance.reduce((sum, m) => sum + m.after, 0))
  })
})
