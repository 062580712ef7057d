import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {planFix, type SlotKeys, slotsToRepair} from '../../../src/cluster/fix-plan.js'
import {buildFixPlan, fixPlanChanges, parseFixPlan} from '../../../src/cluster/fix-plan-file.js'
import {type ClusterSnapshot, masters} from '../../../src/cluster/snapshot.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

const OPTIONS = {acceptDataLoss: false, searchMultipleOwners: true}

function repairOf(snapshot: ClusterSnapshot, holders: Record<number, number> = {}) {
  const slots = slotsToRepair(snapshot)
  const ids = masters(snapshot).map((m) => m.self.id)
  const keys: SlotKeys = new Map(slots.map((slot) => [slot, new Map(ids.map((id, i) => [id, holders[i] ?? 0]))]))
  return planFix(snapshot, slots, keys)
}

const saved = (name: string, holders?: Record<number, number>) => {
  const snapshot = snapshotFromFixture(name)
  return buildFixPlan(snapshot, repairOf(snapshot, holders), OPTIONS, new Date('2026-11-28T00:00:00Z'))
}

const parseFails = (data: unknown, why: RegExp) =>
  assert.throws(
    () => parseFixPlan(JSON.stringify(data), 'repair.json'),
    (error: Error & {code?: string}) => error.code === 'BAD_PLAN' && why.test(error.message),
  )

describe('fix plan files', () => {
  it('read back as written, with the options fix was given', () => {
    const plan = saved('half-moved', {0: 2, 1: 2})
    const read = parseFixPlan(JSON.stringify(plan), 'repair.json')
    assert.deepEqual(read, plan)
    assert.equal(read.kind, 'fix')
    assert.equal(read.searchMultipleOwners, true)
    assert.equal(read.acceptDataLoss, false)
  })

  it('refuse another kind, no steps, a step that is not a repair, and damaged diagnoses', () => {
    const plan = saved('half-moved', {0: 2, 1: 2})
    parseFails({...plan, kind: 'reshard'}, /kind is reshard/)
    parseFails({...plan, steps: []}, /no steps/)
    parseFails({...plan, steps: [...plan.steps, {kind: 'delete', node: 'x', slots: []}]}, /step 2 is not a repair/)
    parseFails({...plan, steps: [{...plan.steps[0], slots: [{end: 16_384, start: 0}]}]}, /step 1/)
    parseFails({...plan, diagnoses: [{problem: 'x'}]}, /diagnoses/)
    parseFails({...plan, version: 2}, /version 2/)
  })

  it('still fit when fix would make the same repair, whatever the key counts', () => {
    const plan = saved('half-moved', {0: 2, 1: 2})
    assert.deepEqual(fixPlanChanges(plan, repairOf(snapshotFromFixture('half-moved'), {0: 9, 1: 1})), [])
  })

  it('no longer fit a slot that needs another repair, nor a cluster with nothing left to repair', () => {
    const plan = saved('half-moved', {0: 2, 1: 2})
    const changes = fixPlanChanges(plan, repairOf(snapshotFromFixture('migrating-only')))
    assert.ok(changes.some((change) => /^no longer needed: move slots 100 from/.test(change)), changes.join('\n'))
    assert.ok(changes.some((change) => /^now also needed: stable slots 100 on/.test(change)), changes.join('\n'))
    assert.deepEqual(fixPlanChanges(plan, repairOf(snapshotFromFixture('healthy-3x1'))), [
      'no slot needs a repair any more',
    ])
  })
})
