/**
 * Property tests: random sequences of rounds (captured stages of a real failure, random nodes unreachable,
 * random views missing) must give events that, replayed, tell the same story as the states themselves.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {
  diffStates,
  EVENT_CODES,
  type NodeProbe,
  type NodeView,
  observeRound,
  type WatchEvent,
  type WatchState,
} from '../../../src/cluster/events.js'
import {parseClusterNodes} from '../../../src/cluster/nodes.js'
import {slotsOf} from '../../../src/cluster/slots.js'
import {seededRandom} from '../../helpers/shapes.js'

const STAGES = ['healthy', 'pfail', 'fail', 'failover', 'recovered', 'open-slot'] as const

const viewsByStage = new Map(
  STAGES.map((stage) => {
    const url = new URL(`../../../fixtures/watch/${stage}.json`, import.meta.url)
    const fixture = JSON.parse(readFileSync(url, 'utf8')) as {views: Array<{address: string; nodes: string}>}
    return [stage, fixture.views.map(({address, nodes}): NodeView => ({address, lines: parseClusterNodes(nodes)}))]
  }),
)
const ADDRESSES = viewsByStage.get('healthy')!.map((view) => view.address)

function randomRound(next: () => number, previous: WatchState | undefined): WatchState {
  const stage = STAGES[Math.floor(next() * STAGES.length)]!
  const down = new Set(ADDRESSES.filter(() => next() < 0.2))
  const probes = ADDRESSES.map((address): NodeProbe =>
    down.has(address)
      ? {address, error: 'connection refused', reachable: false}
      : {
          address,
          clusterState: next() < 0.8 ? 'ok' : 'fail',
          currentEpoch: 5 + Math.floor(next() * 3),
          keys: 0,
          reachable: true,
        },
  )
  // Sometimes no view at all (every reader failed), usually most of them; the first read always has some, as
  // watch refuses to start when its seed does not answer.
  const views =
    previous && next() < 0.1 ? [] : viewsByStage.get(stage)!.filter((view) => !down.has(view.address) && next() < 0.9)
  return observeRound({probes, views}, previous)
}

function sequence(seed: number, length: number): {events: WatchEvent[][]; states: WatchState[]} {
  const next = seededRandom(seed)
  const states = [randomRound(next, undefined)]
  const events: WatchEvent[][] = []
  for (let i = 1; i < length; i++) {
    const state = randomRound(next, states.at(-1))
    events.push(diffStates(states.at(-1)!, state, new Date(Date.UTC(2026, 10, 27, 12, 0, i))))
    states.push(state)
  }

  return {events, states}
}

const SEEDS = Array.from({length: 80}, (_, i) => i + 1)
const LENGTH = 8
const runs = new Map(SEEDS.map((seed) => [seed, sequence(seed, LENGTH)]))
const run = (seed: number) => runs.get(seed)!

describe('diffStates over random sequences of rounds', () => {
  it('orders each round by EVENT_CODES and fills every field', () => {
    for (const seed of SEEDS) {
      for (const round of run(seed).events) {
        const order = round.map((event) => EVENT_CODES.indexOf(event.code))
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
          `seed ${seed}`,
        )
        for (const event of round) {
          assert.ok(event.message.length > 0 && !Number.isNaN(Date.parse(event.time)), `seed ${seed}`)
          assert.ok(
            event.nodes.every((node) => node.address !== '' && node.id !== ''),
            `seed ${seed}: ${event.message}`,
          )
        }
      }
    }
  })

  it('replaying NODE_UNREACHABLE / NODE_REACHABLE gives each node its final reachability', () => {
    for (const seed of SEEDS) {
      const {events, states} = run(seed)
      const reachable = new Map(states[0]!.members.map((m) => [m.id, m.reachable]))
      for (const event of events.flat()) {
        const id = event.nodes[0]?.id ?? ''
        if (event.code === 'NODE_UNREACHABLE') assert.equal(reachable.get(id), true, `seed ${seed}`)
        if (event.code === 'NODE_REACHABLE') assert.equal(reachable.get(id), false, `seed ${seed}`)
        if (event.code === 'NODE_UNREACHABLE' || event.code === 'NODE_REACHABLE') {
          reachable.set(id, event.code === 'NODE_REACHABLE')
        }
      }

      for (const member of states.at(-1)!.members) {
        if (reachable.has(member.id))
          assert.equal(reachable.get(member.id), member.reachable, `seed ${seed} ${member.address}`)
      }
    }
  })

  it('replaying NODE_FAIL / NODE_FAIL_CLEARED gives each node its final FAIL flag', () => {
    for (const seed of SEEDS) {
      const {events, states} = run(seed)
      const failed = new Map(states[0]!.members.map((m) => [m.id, m.failed]))
      for (const event of events.flat()) {
        const id = event.nodes[0]?.id ?? ''
        if (event.code === 'NODE_FAIL') failed.set(id, true)
        if (event.code === 'NODE_FAIL_CLEARED') failed.set(id, false)
      }

      for (const member of states.at(-1)!.members) {
        if (failed.has(member.id)) assert.equal(failed.get(member.id), member.failed, `seed ${seed} ${member.address}`)
      }
    }
  })

  it('replaying COVERAGE_LOST / COVERAGE_RESTORED from the first round gives the last round uncovered slots', () => {
    for (const seed of SEEDS) {
      const {events, states} = run(seed)
      const uncovered = new Set(slotsOf(states[0]!.uncovered))
      for (const event of events.flat()) {
        if (event.code === 'COVERAGE_LOST') for (const slot of slotsOf(event.slots)) uncovered.add(slot)
        if (event.code === 'COVERAGE_RESTORED') for (const slot of slotsOf(event.slots)) uncovered.delete(slot)
      }

      assert.deepEqual(
        [...uncovered].sort((a, b) => a - b),
        [...slotsOf(states.at(-1)!.uncovered)],
        `seed ${seed}`,
      )
    }
  })

  it('is deterministic: the same rounds give the same events', () => {
    for (const seed of SEEDS.slice(0, 20)) assert.deepEqual(sequence(seed, LENGTH), run(seed))
  })
})
