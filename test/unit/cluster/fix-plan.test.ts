import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type FixStep, planFix, type SlotKeys, slotsToRepair} from '../../../src/cluster/fix-plan.js'
import {type ClusterSnapshot, masters} from '../../../src/cluster/snapshot.js'
import {formatRanges} from '../../../src/cluster/slots.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

/** Keys per slot and master: `holders` maps a master index (in masters() order) to its key count. */
function keysIn(snapshot: ClusterSnapshot, slots: readonly number[], holders: Record<number, number> = {}): SlotKeys {
  const ids = masters(snapshot).map((m) => m.self.id)
  return new Map(slots.map((slot) => [slot, new Map(ids.map((id, i) => [id, holders[i] ?? 0]))]))
}

const kinds = (steps: readonly FixStep[]) => steps.map((step) => step.kind)
const ownerOf = (snapshot: ClusterSnapshot, slot: number) =>
  masters(snapshot).find((m) => m.self.slots.some((r) => r.start <= slot && slot <= r.end))!

describe('slotsToRepair', () => {
  it('finds nothing on a healthy cluster', () => {
    assert.deepEqual(slotsToRepair(snapshotFromFixture('healthy-3x1')), [])
  })

  it('finds the open slot and the uncovered slots of the captured states', () => {
    assert.deepEqual(slotsToRepair(snapshotFromFixture('half-moved')), [100])
    assert.deepEqual(slotsToRepair(snapshotFromFixture('migrating-only')), [100])
    assert.deepEqual(slotsToRepair(snapshotFromFixture('uncovered')), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})

describe('planFix', () => {
  it('a slot migrating on its owner only: closes it there, the owner keeps it', () => {
    const snapshot = snapshotFromFixture('migrating-only')
    const plan = planFix(snapshot, [100], keysIn(snapshot, [100]))
    assert.equal(plan.diagnoses.length, 1)
    assert.match(plan.diagnoses[0]!.problem, /migrating on/)
    assert.equal(plan.diagnoses[0]!.owner, ownerOf(snapshot, 100).self.id)
    assert.deepEqual(kinds(plan.steps), ['stable', 'announce'])
    assert.ok(plan.diagnoses[0]!.evidence.some((e) => e.state.startsWith('migrating to')))
  })

  it('a slot importing on a non-owner only, with keys there: closes it and gathers the keys to the owner', () => {
    const snapshot = snapshotFromFixture('importing-only')
    const importer = masters(snapshot).findIndex((m) => m.self.importing.length > 0)
    const plan = planFix(snapshot, [100], keysIn(snapshot, [100], {[importer]: 3}))
    assert.deepEqual(kinds(plan.steps), ['stable', 'gather', 'announce'])
    const gather = plan.steps.find((s) => s.kind === 'gather')!
    assert.ok(gather.kind === 'gather' && gather.to === ownerOf(snapshot, 100).self.id)
    assert.match(plan.diagnoses[0]!.action, /never overwriting/)
  })

  it('migrating and importing: finishes the move towards the importing node', () => {
    const snapshot = snapshotFromFixture('half-moved')
    const plan = planFix(snapshot, [100], keysIn(snapshot, [100], {0: 2, 1: 2}))
    assert.deepEqual(kinds(plan.steps), ['move'])
    assert.match(plan.diagnoses[0]!.action, /finish the move/)
  })

  it('uncovered slots with no keys go to the master with fewest slots, with a new epoch, grouped in one diagnosis', () => {
    const snapshot = snapshotFromFixture('uncovered')
    const slots = slotsToRepair(snapshot)
    const plan = planFix(snapshot, slots, keysIn(snapshot, slots))
    assert.equal(plan.diagnoses.length, 1)
    assert.equal(formatRanges(plan.diagnoses[0]!.slots), '0-9')
    assert.equal(plan.diagnoses[0]!.losesData, false)
    const fewest = [...masters(snapshot)].sort(
      (a, b) =>
        a.self.slots.reduce((n, r) => n + r.end - r.start + 1, 0) -
        b.self.slots.reduce((n, r) => n + r.end - r.start + 1, 0),
    )[0]!
    assert.equal(plan.diagnoses[0]!.owner, fewest.self.id)
    assert.deepEqual(kinds(plan.steps), ['claim', 'announce'])
  })

  it('uncovered slots with keys on two masters: the one with most keys takes them, the other gathers into it', () => {
    const snapshot = snapshotFromFixture('uncovered')
    const plan = planFix(snapshot, [5], keysIn(snapshot, [5], {1: 2, 2: 7}))
    assert.equal(plan.diagnoses[0]!.owner, masters(snapshot)[2]!.self.id)
    assert.deepEqual(kinds(plan.steps), ['claim', 'gather', 'announce'])
  })

  it('slots of a master that is gone need --accept-data-loss (losesData)', () => {
    const snapshot = snapshotFromFixture('master-down')
    const slots = slotsToRepair(snapshot)
    assert.ok(slots.length > 5000)
    const plan = planFix(snapshot, slots, keysIn(snapshot, slots))
    assert.ok(plan.diagnoses.some((d) => d.losesData))
    assert.ok(plan.steps.every((step) => step.kind !== 'gather'))
  })
})
