import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {
  diffStates,
  type EventCode,
  type NodeProbe,
  type NodeView,
  observeRound,
  startedEvent,
  type WatchEvent,
  type WatchState,
} from '../../../src/cluster/events.js'
import {parseClusterNodes} from '../../../src/cluster/nodes.js'

/** CLUSTER NODES of every live node of a real 3 + 3 cluster at each stage of a master failure (capture.mts). */
type Stage = 'fail' | 'failover' | 'healthy' | 'open-slot' | 'pfail' | 'recovered'

function viewsOf(stage: Stage): NodeView[] {
  const fixture = JSON.parse(
    readFileSync(new URL(`../../../fixtures/watch/${stage}.json`, import.meta.url), 'utf8'),
  ) as {
    views: Array<{address: string; nodes: string}>
  }
  return fixture.views.map(({address, nodes}) => ({address, lines: parseClusterNodes(nodes)}))
}

const ALL = viewsOf('healthy').map((view) => view.address)
/** The master the capture killed: the one address missing from the pfail stage. */
const VICTIM = ALL.find((address) => !viewsOf('pfail').some((view) => view.address === address))!
const idAt = (address: string) =>
  viewsOf('healthy')
    .find((v) => v.address === address)!
    .lines.find((l) => l.flags.includes('myself'))!.id
const VICTIM_ID = idAt(VICTIM)
/** The victim's replica, promoted by the failover. */
const HEIR = ALL.find((address) =>
  viewsOf('healthy')[0]!.lines.some((l) => l.masterId === VICTIM_ID && `${l.host}:${l.port}` === address),
)!

type RoundOptions = {clusterState?: string; epoch?: number; unreachable?: string[]; views?: NodeView[]}

/** A round where every node but `unreachable` answers the probe, and the given views were read. */
function round(stage: Stage, options: RoundOptions = {}, previous?: WatchState): WatchState {
  const unreachable = new Set(options.unreachable ?? [])
  const probes = ALL.map((address): NodeProbe =>
    unreachable.has(address)
      ? {address, error: 'connection refused', reachable: false}
      : {
          address,
          clusterState: options.clusterState ?? 'ok',
          currentEpoch: options.epoch ?? 5,
          keys: 0,
          reachable: true,
        },
  )
  return observeRound({probes, views: options.views ?? viewsOf(stage)}, previous)
}

const T = new Date('2026-11-27T12:00:00.000Z')
const codes = (events: WatchEvent[]) => events.map((event) => event.code)
const only = (events: WatchEvent[], code: EventCode) => {
  const found = events.filter((event) => event.code === code)
  assert.equal(found.length, 1, `one ${code} in ${codes(events).join(', ')}`)
  return found[0]!
}

describe('observeRound', () => {
  it('reads a healthy 3 + 3 cluster: roles, slots won, addresses as read, full coverage', () => {
    const state = round('healthy')
    assert.equal(state.members.length, 6)
    const masterSlots = state.members.filter((m) => m.role === 'master').map((m) => m.slots)
    assert.deepEqual(
      masterSlots.sort((a, b) => a[0]!.start - b[0]!.start),
      [[{end: 5460, start: 0}], [{end: 10_921, start: 5461}], [{end: 16_383, start: 10_922}]],
    )
    assert.equal(state.members.filter((m) => m.role === 'replica').length, 3)
    assert.ok(state.members.every((m) => m.reachable === true && m.clusterState === 'ok' && !m.failed))
    assert.deepEqual(state.uncovered, [])
    assert.deepEqual(
      state.members.map((m) => m.address),
      [...ALL].sort((a, b) => a.localeCompare(b, 'en', {numeric: true})),
    )
  })

  it('settles conflicting slot claims by config epoch, as Redis does: a stale master line loses', () => {
    // The victim restarted with its old nodes.conf: its own line still claims its slots, at the old epoch.
    const views = viewsOf('failover')
    const stale = `${VICTIM_ID} ${VICTIM}@1 myself,master - 0 0 2 connected 5461-10921`
    const state = round('failover', {views: [...views, {address: VICTIM, lines: parseClusterNodes(stale)}]})
    const heir = state.members.find((m) => m.address === HEIR)!
    assert.deepEqual(heir.slots, [{end: 10_921, start: 5461}])
    assert.deepEqual(state.members.find((m) => m.id === VICTIM_ID)!.slots, [])
  })

  it('ignores handshake lines, whose ids are temporary', () => {
    const views = viewsOf('healthy')
    const handshake = parseClusterNodes(
      '0123456789012345678901234567890123456789 127.0.0.1:1@10001 handshake - 0 0 0 connected',
    )
    const state = round('healthy', {
      views: [{...views[0]!, lines: [...views[0]!.lines, ...handshake]}, ...views.slice(1)],
    })
    assert.equal(state.members.length, 6)
  })

  it('keeps members and their flags when no node could be read, updating only reachability', () => {
    const before = round('fail', {unreachable: [VICTIM]})
    const after = round('fail', {unreachable: ALL, views: []}, before)
    assert.deepEqual(
      after.members.map((m) => [m.id, m.role, m.failed]),
      before.members.map((m) => [m.id, m.role, m.failed]),
    )
    assert.ok(after.members.every((m) => m.reachable === false && m.error === 'connection refused'))
    assert.equal(after.currentEpoch, before.currentEpoch)
  })
})

describe('diffStates on a master failure captured from redis-server', () => {
  it('reports nothing between two identical rounds, at every stage', () => {
    for (const stage of ['healthy', 'pfail', 'fail', 'failover', 'recovered', 'open-slot'] as const) {
      const state = round(stage)
      assert.deepEqual(diffStates(state, round(stage, {}, state), T), [], stage)
    }
  })

  it('kill: the node is unreachable to slotctl, then suspected (PFAIL) by the masters that noticed', () => {
    const events = diffStates(round('healthy'), round('pfail', {unreachable: [VICTIM]}), T)
    assert.deepEqual(codes(events), ['NODE_UNREACHABLE', 'NODE_PFAIL'])
    assert.deepEqual(events[0]!.nodes, [{address: VICTIM, id: VICTIM_ID}])
    assert.deepEqual(events[0]!.slots, [{end: 10_921, start: 5461}])
    assert.match(events[0]!.message, /^cannot reach master .* connection refused$/)
    assert.match(events[1]!.message, /suspected down \(PFAIL\) by 127\.0\.0\.1:\d+/)
    assert.equal(events[0]!.time, '2026-11-27T12:00:00.000Z')
  })

  it('FAIL: the cluster agrees, and the slots lose coverage; the suspicion is not reported as cleared', () => {
    const pfail = round('pfail', {unreachable: [VICTIM]})
    const events = diffStates(pfail, round('fail', {unreachable: [VICTIM]}, pfail), T)
    assert.deepEqual(codes(events), ['NODE_FAIL', 'COVERAGE_LOST'])
    assert.match(only(events, 'COVERAGE_LOST').message, /^5461 slots 5461-10921 not covered: their owner .* failed$/)
  })

  it('failover: which replica took which slots from whom, and coverage comes back', () => {
    const fail = round('fail', {unreachable: [VICTIM]})
    const events = diffStates(fail, round('failover', {epoch: 6, unreachable: [VICTIM]}, fail), T)
    assert.deepEqual(codes(events), ['FAILOVER', 'COVERAGE_RESTORED', 'EPOCH_CHANGED'])
    const failover = only(events, 'FAILOVER')
    assert.deepEqual(
      failover.nodes.map((node) => node.address),
      [HEIR, VICTIM],
    )
    assert.deepEqual(failover.slots, [{end: 10_921, start: 5461}])
    assert.match(failover.message, /^replica .* became master of 5461 slots 5461-10921 in place of /)
    assert.deepEqual(only(events, 'EPOCH_CHANGED').details, {from: 5, to: 6})
  })

  it('a round that misses the steps in between still reports them in cause-and-effect order', () => {
    const events = diffStates(round('healthy'), round('failover', {unreachable: [VICTIM]}), T)
    assert.deepEqual(codes(events), ['NODE_UNREACHABLE', 'NODE_FAIL', 'FAILOVER'])
  })

  it('restart: reachable again, FAIL cleared, back as a replica without a second FAILOVER', () => {
    const failover = round('failover', {unreachable: [VICTIM]})
    const recovered = round('recovered', {}, failover)
    assert.deepEqual(codes(diffStates(failover, recovered, T)), ['NODE_REACHABLE', 'NODE_FAIL_CLEARED'])
    const victim = recovered.members.find((m) => m.id === VICTIM_ID)!
    assert.equal(victim.role, 'replica')
    assert.equal(victim.masterId, idAt(HEIR))
  })
})

describe('diffStates on other changes', () => {
  it('a lagging view that still shows a demoted master as master does not turn it back (epochs cannot tell)', () => {
    const recovered = round('recovered')
    const [lagging, ...rest] = viewsOf('recovered').filter((view) => view.address !== VICTIM)
    // Same epoch as the fresh views: a demotion does not change it.
    const epoch = lagging!.lines.find((line) => line.id === VICTIM_ID)!.configEpoch
    const demoted = `${VICTIM_ID} ${VICTIM}@1 master - 0 0 ${epoch} connected`
    const stale = [...lagging!.lines.filter((line) => line.id !== VICTIM_ID), ...parseClusterNodes(demoted)]
    const next = round('recovered', {views: [{...lagging!, lines: stale}, ...rest]}, recovered)
    assert.deepEqual(diffStates(recovered, next, T), [])
    assert.equal(next.members.find((m) => m.id === VICTIM_ID)!.role, 'replica')
  })

  it('an open slot: SLOT_OPEN names both sides, SLOT_CLOSED when it settles', () => {
    const recovered = round('recovered')
    const open = round('open-slot', {}, recovered)
    const opened = only(diffStates(recovered, open, T), 'SLOT_OPEN')
    assert.deepEqual(opened.slots, [{end: 100, start: 100}])
    assert.equal(opened.nodes.length, 2)
    assert.match(opened.message, /^slot 100 open: migrating on \S+ to \S+, importing on \S+ from \S+$/)
    const closed = diffStates(open, round('recovered', {}, open), T)
    assert.deepEqual(codes(closed), ['SLOT_CLOSED'])
  })

  it('a master that could not be read keeps its open slots: silence is not a close', () => {
    const open = round('open-slot')
    const migrating = open.members.find((m) => m.migrating.length > 0)!
    const views = viewsOf('open-slot').filter((view) => view.address !== migrating.address)
    assert.deepEqual(diffStates(open, round('open-slot', {views}, open), T), [])
  })

  it('a node gone from every view left; one that appears joined, with its master named', () => {
    const healthy = round('healthy')
    const heirId = idAt(HEIR)
    const without = viewsOf('healthy')
      .filter((view) => view.address !== HEIR)
      .map((view) => ({...view, lines: view.lines.filter((line) => line.id !== heirId)}))
    const gone = round('healthy', {views: without}, healthy)
    const left = only(diffStates(healthy, gone, T), 'NODE_LEFT')
    assert.deepEqual(left.nodes, [{address: HEIR, id: heirId}])
    const back = diffStates(gone, round('healthy', {}, gone), T)
    assert.deepEqual(codes(back), ['NODE_JOINED'])
    assert.match(back[0]!.message, /^replica .* of .* joined the cluster$/)
  })

  it('cluster_state changes are grouped per state, naming every node that changed', () => {
    const healthy = round('healthy')
    const events = diffStates(healthy, round('healthy', {clusterState: 'fail'}, healthy), T)
    const event = only(events, 'CLUSTER_STATE')
    assert.equal(event.nodes.length, 6)
    assert.deepEqual(event.details, {state: 'fail'})
  })

  it('names a node by the address slotctl reaches it at, even when its peers list another', () => {
    const [seedView, ...others] = viewsOf('healthy')
    const alias = `localhost:${seedView!.address.split(':')[1]}`
    const probes = (down: string[]): NodeProbe[] =>
      [alias, ...others.map((view) => view.address)].map((address) =>
        down.includes(address)
          ? {address, error: 'connection refused', reachable: false}
          : {address, clusterState: 'ok', currentEpoch: 5, keys: 0, reachable: true},
      )
    const first = observeRound({probes: probes([]), views: [{...seedView!, address: alias}, ...others]})
    const next = observeRound({probes: probes([alias]), views: others}, first)
    const events = diffStates(first, next, T)
    assert.deepEqual(codes(events), ['NODE_UNREACHABLE'])
    assert.equal(events[0]!.nodes[0]!.address, alias)
  })

  it('nodes that are all unreachable each get one NODE_UNREACHABLE, and no cluster change is invented', () => {
    const healthy = round('healthy')
    const events = diffStates(healthy, round('healthy', {unreachable: ALL, views: []}, healthy), T)
    assert.deepEqual(
      codes(events),
      Array.from({length: 6}, () => 'NODE_UNREACHABLE'),
    )
  })
})

describe('startedEvent', () => {
  it('says what is watched, from where, and how much is covered', () => {
    const event = startedEvent(round('fail', {unreachable: [VICTIM]}), ALL[0]!, T)
    assert.equal(event.code, 'WATCH_STARTED')
    assert.match(
      event.message,
      /^watching 3 masters and 3 replicas from \S+: 10923\/16384 slots covered, 1 unreachable$/,
    )
    assert.deepEqual(event.details, {masters: 3, replicas: 3, unreachable: 1})
    assert.equal(event.nodes.length, 6)
  })
})
