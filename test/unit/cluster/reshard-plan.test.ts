import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {SLOT_COUNT} from '../../../src/cluster/keyslot.js'
import {type MasterSlots, pickSlots, planReshard, proportionalQuotas} from '../../../src/cluster/reshard-plan.js'
import {countSlots, slotsOf, toRanges} from '../../../src/cluster/slots.js'
import {evenThreePlusEmpty, nodeId, range, seededRandom} from '../../helpers/shapes.js'

/** A random cluster: every slot given to one of `count` masters, in runs of random length. */
function randomMasters(next: () => number, count: number): MasterSlots[] {
  const owned: number[][] = Array.from({length: count}, () => [])
  for (let slot = 0; slot < SLOT_COUNT;) {
    const owner = Math.floor(next() * count)
    const run = 1 + Math.floor(next() * (next() < 0.5 ? 20 : 4000))
    for (let i = 0; i < run && slot < SLOT_COUNT; i++) owned[owner]!.push(slot++)
  }

  return owned.map((slots, i) => ({id: nodeId(i + 1), slots: toRanges(slots)}))
}

describe('proportionalQuotas', () => {
  it('adds up to exactly the count asked for, where redis-cli would move fewer', () => {
    const four = [1, 2, 3, 4].map((n) => ({id: nodeId(n), slots: [range(n * 1000, n * 1000 + 99)]}))
    const quotas = proportionalQuotas(four, 10)
    assert.deepEqual(
      [...quotas.values()].reduce((a, b) => a + b),
      10,
    )
    assert.deepEqual([...quotas.values()].sort(), [2, 2, 3, 3])
  })

  it('follows what each source holds: 10 from 5462 and 5461 slots is 5 + 5', () => {
    const quotas = proportionalQuotas(
      [
        {id: nodeId(1), slots: [range(0, 5461)]},
        {id: nodeId(2), slots: [range(5462, 10_922)]},
      ],
      10,
    )
    assert.deepEqual([quotas.get(nodeId(1)), quotas.get(nodeId(2))], [5, 5])
  })

  it('on many shapes: exact total, within one of the exact share, never more than held', () => {
    const next = seededRandom(7)
    for (let round = 0; round < 300; round++) {
      const masters = randomMasters(next, 2 + Math.floor(next() * 8)).filter((m) => m.slots.length > 0)
      const held = masters.reduce((sum, m) => sum + countSlots(m.slots), 0)
      const count = 1 + Math.floor(next() * held)
      const quotas = proportionalQuotas(masters, count)
      assert.equal(
        [...quotas.values()].reduce((a, b) => a + b),
        count,
        `round ${round}`,
      )
      for (const master of masters) {
        const exact = (count * countSlots(master.slots)) / held
        const quota = quotas.get(master.id)!
        assert.ok(Math.abs(quota - exact) < 1, `round ${round}: ${quota} vs ${exact}`)
        assert.ok(quota <= countSlots(master.slots))
      }
    }
  })
})

describe('pickSlots', () => {
  it('extends the target where it touches the source', () => {
    assert.deepEqual(toRanges(pickSlots([range(0, 5460)], new Set(slotsOf([range(5461, 6000)])), 100)), [
      range(5361, 5460),
    ])
    assert.deepEqual(toRanges(pickSlots([range(6001, 9000)], new Set(slotsOf([range(5461, 6000)])), 100)), [
      range(6001, 6100),
    ])
  })

  it('takes whole small ranges before cutting a big one, then the top of the largest', () => {
    assert.deepEqual(toRanges(pickSlots([range(0, 999), range(2000, 2009)], new Set([5000]), 10)), [range(2000, 2009)])
    assert.deepEqual(toRanges(pickSlots([range(0, 999), range(2000, 2009)], new Set([5000]), 15)), [
      range(995, 999),
      range(2000, 2009),
    ])
    assert.deepEqual(toRanges(pickSlots([range(0, 999)], new Set(), 10)), [range(990, 999)])
  })
})

describe('planReshard', () => {
  it('moves 4000 slots from all to the empty fourth master as three contiguous cuts', () => {
    const steps = planReshard(evenThreePlusEmpty, {
      count: 4000,
      sources: [nodeId(1), nodeId(2), nodeId(3)],
      target: nodeId(4),
    })
    assert.deepEqual(
      steps.map((s) => [s.from, countSlots(s.slots), s.slots.length]),
      [
        [nodeId(2), 1334, 1],
        [nodeId(1), 1333, 1],
        [nodeId(3), 1333, 1],
      ],
    )
    const target = toRanges(steps.flatMap((s) => [...slotsOf(s.slots)]))
    assert.ok(target.length <= 2, `target ranges: ${JSON.stringify(target)}`)
  })

  it('leaves the target out of its own sources, and refuses what cannot be done', () => {
    const steps = planReshard(evenThreePlusEmpty, {
      count: 10,
      sources: [nodeId(1), nodeId(2), nodeId(3)],
      target: nodeId(3),
    })
    assert.deepEqual(new Set(steps.map((s) => s.from)), new Set([nodeId(1), nodeId(2)]))
    assert.throws(
      () => planReshard(evenThreePlusEmpty, {count: 20_000, sources: [nodeId(1)], target: nodeId(4)}),
      /--slots 20000 is more than/,
    )
    assert.throws(
      () => planReshard(evenThreePlusEmpty, {count: 0, sources: [nodeId(1)], target: nodeId(4)}),
      /--slots 0/,
    )
    assert.throws(
      () => planReshard(evenThreePlusEmpty, {count: 5, sources: [nodeId(4)], target: nodeId(4)}),
      /--from names no master/,
    )
  })

  it('moves an explicit range from whoever owns it, and names slots it cannot move', () => {
    const steps = planReshard(evenThreePlusEmpty, {ranges: [range(5400, 5500)], target: nodeId(4)})
    assert.deepEqual(steps, [
      {from: nodeId(1), kind: 'move', slots: [range(5400, 5460)], to: nodeId(4)},
      {from: nodeId(2), kind: 'move', slots: [range(5461, 5500)], to: nodeId(4)},
    ])
    assert.throws(
      () => planReshard(evenThreePlusEmpty, {ranges: [range(0, 10)], target: nodeId(1)}),
      /--range: slots 0-10 already belong/,
    )
    assert.throws(
      () => planReshard(evenThreePlusEmpty.slice(1), {ranges: [range(0, 10)], target: nodeId(2)}),
      /slots 0-10 have no owner/,
    )
  })

  it('on many shapes: exact, from the sources only, deterministic, and never splits a source range', () => {
    const next = seededRandom(42)
    for (let round = 0; round < 60; round++) {
      const masters = randomMasters(next, 2 + Math.floor(next() * 6))
      const target = masters[Math.floor(next() * masters.length)]!.id
      const sources = masters.filter((m) => m.id !== target && next() < 0.8).map((m) => m.id)
      const held = masters.filter((m) => sources.includes(m.id)).reduce((sum, m) => sum + countSlots(m.slots), 0)
      if (held === 0) continue
      const count = 1 + Math.floor(next() * held)
      const steps = planReshard(masters, {count, sources, target})
      assert.equal(
        steps.reduce((sum, s) => sum + countSlots(s.slots), 0),
        count,
        `round ${round}`,
      )
      assert.deepEqual(planReshard([...masters].reverse(), {count, sources: [...sources].reverse(), target}), steps)
      for (const step of steps) {
        const source = masters.find((m) => m.id === step.from)!
        const owned = new Set(slotsOf(source.slots))
        assert.ok(
          [...slotsOf(step.slots)].every((slot) => owned.has(slot)),
          `round ${round}: slot not owned by source`,
        )
        for (const slot of slotsOf(step.slots)) owned.delete(slot)
        assert.ok(toRanges(owned).length <= source.slots.length, `round ${round}: source range split`)
      }
    }
  })
})
