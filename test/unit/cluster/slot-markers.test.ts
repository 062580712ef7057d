import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {checkCluster} from '../../../src/cluster/checks.js'
import {planFix, slotsToRepair} from '../../../src/cluster/fix-plan.js'
import {classifyMarkers} from '../../../src/cluster/slot-markers.js'
import {masters} from '../../../src/cluster/snapshot.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

const summary = (markers: ReturnType<typeof classifyMarkers>['own']) =>
  markers.map(({direction, node, slot}) => `${slot} ${direction} ${node.self.role}`).sort()

describe('classifyMarkers', () => {
  it('takes Valkey replicas’ markers for copies of their master’s, not open slots of their own', () => {
    const {copies, own, stale} = classifyMarkers(snapshotFromFixture('valkey-half-moved').nodes)
    assert.deepEqual(summary(own), ['300 importing master', '300 migrating master'])
    assert.deepEqual(summary(copies), ['300 importing replica', '300 migrating replica'])
    assert.deepEqual(stale, [])
  })

  it('finds a replica marker that its master no longer has', () => {
    const {copies, own, stale} = classifyMarkers(snapshotFromFixture('valkey-stale-replica-marker').nodes)
    assert.deepEqual(own, [])
    assert.deepEqual(copies, [])
    assert.deepEqual(summary(stale), ['200 migrating replica'])
  })

  it('finds no replica markers on redis-server 7.0, which keeps slot states on masters only', () => {
    const {copies, own, stale} = classifyMarkers(snapshotFromFixture('half-moved').nodes)
    assert.equal(own.length, 2)
    assert.deepEqual([...copies, ...stale], [])
  })
})

describe('open slots with Valkey replicas', () => {
  it('check reports the open slot once, naming the masters only', () => {
    const open = checkCluster(snapshotFromFixture('valkey-half-moved')).filter((f) => f.code === 'OPEN_SLOT')
    assert.equal(open.length, 1)
    assert.equal(open[0]!.nodes!.length, 2)
    const masterAddresses = new Set(masters(snapshotFromFixture('valkey-half-moved')).map((m) => m.address))
    assert.ok(open[0]!.nodes!.every((node) => masterAddresses.has(node.address)))
  })

  it('fix finishes the move and sends no SETSLOT to a replica', () => {
    const snapshot = snapshotFromFixture('valkey-half-moved')
    const masterIds = new Set(masters(snapshot).map((m) => m.self.id))
    const plan = planFix(snapshot, slotsToRepair(snapshot), new Map())
    assert.deepEqual(
      plan.steps.map((step) => step.kind),
      ['move'],
    )
    for (const step of plan.steps) if ('node' in step) assert.ok(masterIds.has(step.node))
  })

  it('a stale replica marker is a warning, cleared by STABLE on its master', () => {
    const snapshot = snapshotFromFixture('valkey-stale-replica-marker')
    const findings = checkCluster(snapshot)
    const stale = findings.find((f) => f.code === 'STALE_SLOT_STATE')
    assert.equal(stale?.severity, 'warning')
    assert.match(stale!.message, /keeps slot 200 open/)
    assert.deepEqual(slotsToRepair(snapshot), [200])
    const plan = planFix(snapshot, [200], new Map())
    const replica = snapshot.nodes.find((n) => n.self.migrating.length > 0)!
    assert.deepEqual(plan.steps[0], {kind: 'stable', node: replica.self.masterId, slots: [{end: 200, start: 200}]})
    assert.match(plan.diagnoses[0]!.problem, /stale open-slot state/)
  })
})
