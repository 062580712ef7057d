import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  buildMovePlan,
  DEFAULT_MIGRATION,
  finishedSlots,
  type MoveStep,
  parseJournal,
  parseMovePlan,
  remainingSteps,
  resumeProblems,
  windowsOf,
} from '../../../src/cluster/move-plan.js'
import {parseClusterNodes} from '../../../src/cluster/nodes.js'
import type {ClusterSnapshot} from '../../../src/cluster/snapshot.js'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)

/** A snapshot of three masters whose own lines own the given slot tokens. */
function snapshot(owned: Record<string, string>): ClusterSnapshot {
  const lines = Object.entries(owned).map(([id, slots], i) =>
    `${id} 127.0.0.1:${7000 + i}@${17_000 + i} myself,master - 0 0 ${i + 1} connected ${slots}`.trim(),
  )
  return {
    nodes: lines.map((line, i) => {
      const self = parseClusterNodes(line)[0]!
      return {
        address: `127.0.0.1:${7000 + i}`,
        clusterInfo: {cluster_state: 'ok'},
        info: {},
        keys: 0,
        self,
        server: {engine: 'redis', parts: [7, 0, 15], version: '7.0.15'},
        view: [self],
      }
    }),
    seed: '127.0.0.1:7000',
    unreachable: [],
  }
}

const step: MoveStep = {
  from: A,
  kind: 'move',
  slots: [
    {end: 9, start: 0},
    {end: 20, start: 15},
  ],
  to: C,
}

describe('move plans', () => {
  it('splits a step into windows in slot order', () => {
    assert.deepEqual(windowsOf(step, 4), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 15, 16],
      [17, 18, 19, 20],
    ])
  })

  it('takes what the journal records as done out of the steps; a torn last line is ignored', () => {
    const journal = [
      '{"at":"t","event":"start","resume":false}',
      '{"at":"t","event":"done","keys":3,"slots":[{"start":0,"end":9}],"step":0}',
      '{"at":"t","event":"done","keys":3,"slots":[{"sta',
    ].join('\n')
    const records = parseJournal(journal)
    assert.equal(records.length, 2)
    const left = remainingSteps([step, {...step, from: B}], finishedSlots(records))
    assert.deepEqual(
      left.map(({index, step: s}) => [index, s.slots]),
      [
        [0, [{end: 20, start: 15}]],
        [1, step.slots],
      ],
    )
  })

  it('a stopped plan resumes when its slots are on their source or target, and not when anything else moved', () => {
    const before = snapshot({[A]: '0-5460', [B]: '5461-10922', [C]: '10923-16383'})
    const plan = buildMovePlan(before, 'reshard', [step], DEFAULT_MIGRATION, new Date(0))
    assert.deepEqual(resumeProblems(plan, before), [])
    assert.deepEqual(
      resumeProblems(plan, snapshot({[A]: '10-14 21-5460', [B]: '5461-10922', [C]: '0-9 15-20 10923-16383'})),
      [],
    )
    assert.deepEqual(
      resumeProblems(plan, snapshot({[A]: '10-14 21-5460', [B]: '0-9 15-20 5461-10922', [C]: '10923-16383'})),
      ['slots 0-9,15-20 belong to neither their source nor their target'],
    )
    assert.deepEqual(resumeProblems(plan, snapshot({[A]: '0-5460 5461', [B]: '5462-10922', [C]: '10923-16383'})), [
      'slots 5461 outside the plan changed owner',
    ])
  })

  it('reads back the plan it writes, and names the file when it is not a plan', () => {
    const plan = buildMovePlan(
      snapshot({[A]: '0-16383'}),
      'reshard',
      [step],
      {...DEFAULT_MIGRATION, replace: true},
      new Date(0),
    )
    assert.deepEqual(parseMovePlan(JSON.stringify(plan), 'p.json'), plan)
    assert.throws(() => parseMovePlan('{', 'p.json'), /p\.json is not a slotctl move plan/)
    assert.throws(() => parseMovePlan(JSON.stringify({...plan, version: 9}), 'p.json'), /version 9/)
    const badSlots = {...plan, steps: [{...step, slots: [{end: 20_000, start: 0}]}]}
    assert.throws(() => parseMovePlan(JSON.stringify(badSlots), 'p.json'), /move steps with slot ranges/)
  })
})
