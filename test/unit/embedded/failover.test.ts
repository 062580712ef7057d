/** The failover election with Redis' rules, on plain cluster state and a fake clock. */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {Failover, type FailoverHooks} from '../../../src/embedded/cluster/failover.js'
import {ClusterNode, ClusterState} from '../../../src/embedded/cluster/state.js'

const id = (letter: string) => letter.repeat(40)
const NODE_TIMEOUT_MS = 1000

/** Masters a, b, c with a third of the slots each (epochs 1, 2, 3), and `me`, seen from `viewer`. */
function cluster(viewer: 'a' | 'replica'): {
  state: ClusterState
  nodes: Record<'a' | 'b' | 'c' | 'replica', ClusterNode>
} {
  const nodes = {
    a: new ClusterNode(id('a'), '127.0.0.1', 7000, 17_000),
    b: new ClusterNode(id('b'), '127.0.0.1', 7001, 17_001),
    c: new ClusterNode(id('c'), '127.0.0.1', 7002, 17_002),
    replica: new ClusterNode(id('d'), '127.0.0.1', 7003, 17_003),
  }
  const state = new ClusterState(nodes[viewer])
  for (const node of Object.values(nodes)) state.addNode(node)
  for (const [i, master] of [nodes.a, nodes.b, nodes.c].entries()) {
    master.configEpoch = i + 1
    for (let slot = i * 5462; slot < Math.min((i + 1) * 5462, 16_384); slot++) state.assignSlot(slot, master)
  }

  nodes.replica.role = 'slave'
  nodes.replica.masterId = nodes.a.id
  state.currentEpoch = 3
  return {nodes, state}
}

type Recorded = {requests: Array<{configEpoch: number; forceAck: boolean; slots: number}>; pauses: string[]}

function hooks(
  offset = () => 100,
  {dataAgeMs = 0, noAutomaticFailover = false} = {},
): {hooks: FailoverHooks; recorded: Recorded} {
  const recorded: Recorded = {pauses: [], requests: []}
  return {
    hooks: {
      askMasterToPause: (master) => recorded.pauses.push(`ask ${master.port}`),
      dataAgeMs: () => dataAgeMs,
      noAutomaticFailover: () => noAutomaticFailover,
      nodeTimeoutMs: () => NODE_TIMEOUT_MS,
      pauseWrites: (ms) => recorded.pauses.push(`pause ${ms}`),
      replicationOffset: offset,
      requestVotes: (claim, forceAck) =>
        recorded.requests.push({configEpoch: claim.configEpoch, forceAck, slots: claim.slots.length}),
      unpauseWrites: () => recorded.pauses.push('unpause'),
      validityFactor: () => 10,
    },
    recorded,
  }
}

describe('Failover election (replica side)', () => {
  it('asks for votes after the delay in a new epoch, and takes the slots with a majority only', () => {
    const {nodes, state} = cluster('replica')
    const {hooks: h, recorded} = hooks()
    const failover = new Failover(state, h)
    failover.tick(0)
    assert.deepEqual(recorded.requests, [], 'no election while the master is fine')
    nodes.a.fail = true
    failover.tick(0)
    failover.tick(499)
    assert.deepEqual(recorded.requests, [], 'at least 500 ms of delay')
    failover.tick(1001)
    assert.deepEqual(recorded.requests, [{configEpoch: 1, forceAck: false, slots: 5462}])
    assert.equal(state.currentEpoch, 4)

    failover.voteReceived(nodes.b, 4)
    failover.tick(1100)
    assert.equal(nodes.replica.role, 'slave', 'one vote of three masters is not a majority')
    failover.voteReceived(nodes.replica, 4)
    failover.voteReceived(nodes.c, 3)
    failover.tick(1200)
    assert.equal(nodes.replica.role, 'slave', 'votes from a replica or an older epoch do not count')
    failover.voteReceived(nodes.c, 4)
    failover.tick(1300)
    assert.equal(nodes.replica.role, 'master')
    assert.equal(nodes.replica.configEpoch, 4, 'the epoch of the election')
    assert.equal(state.slotsOf(nodes.replica).length, 5462)
    assert.equal(state.slotsOf(nodes.a).length, 0)
  })

  it('waits one more second per sibling replica with more data', () => {
    const {nodes, state} = cluster('replica')
    const sibling = new ClusterNode(id('e'), '127.0.0.1', 7004, 17_004)
    sibling.role = 'slave'
    sibling.masterId = nodes.a.id
    sibling.replicationOffset = 200
    state.addNode(sibling)
    const {hooks: h, recorded} = hooks(() => 100)
    const failover = new Failover(state, h)
    nodes.a.fail = true
    failover.tick(0)
    failover.tick(1001)
    assert.deepEqual(recorded.requests, [], 'rank 1 waits at least 1.5 s')
    failover.tick(2001)
    assert.equal(recorded.requests.length, 1)
  })

  it('manual failover: no election before the paused master offset is applied, then one at once with FORCEACK', () => {
    const {nodes, state} = cluster('replica')
    let applied = 100
    const {hooks: h, recorded} = hooks(() => applied)
    const failover = new Failover(state, h)
    failover.startManual('DEFAULT', 0)
    assert.deepEqual(recorded.pauses, ['ask 7000'])
    failover.tick(10)
    failover.masterPaused(nodes.a, 150)
    failover.tick(20)
    assert.deepEqual(recorded.requests, [], 'still behind the master')
    applied = 150
    failover.tick(30)
    failover.tick(40)
    assert.deepEqual(recorded.requests, [{configEpoch: 1, forceAck: true, slots: 5462}])
  })

  /** The vote requests of a replica whose master failed at 0: none of its own by 5 s, then a FORCE failover at 6 s. */
  function requestsWaitingForManual(options: Parameters<typeof hooks>[1]) {
    const {nodes, state} = cluster('replica')
    const {hooks: h, recorded} = hooks(() => 100, options)
    const failover = new Failover(state, h)
    nodes.a.fail = true
    failover.tick(0)
    failover.tick(5000)
    assert.deepEqual(recorded.requests, [])
    failover.startManual('FORCE', 6000)
    failover.tick(6000)
    failover.tick(6100)
    return recorded.requests
  }

  it('with data older than the validity factor allows it waits for a manual failover', () => {
    // Down for node-timeout (allowed), plus the 10 s ping period and 10 x node-timeout, plus 1 ms.
    const requests = requestsWaitingForManual({dataAgeMs: NODE_TIMEOUT_MS + 10_000 + 10 * NODE_TIMEOUT_MS + 1})
    assert.equal(requests.length, 1)
  })

  it('with cluster-replica-no-failover it waits for a manual failover', () => {
    const requests = requestsWaitingForManual({noAutomaticFailover: true})
    assert.deepEqual(requests, [{configEpoch: 1, forceAck: true, slots: 5462}])
  })

  it('TAKEOVER takes the slots at once with a new epoch of its own', () => {
    const {nodes, state} = cluster('replica')
    const failover = new Failover(state, hooks().hooks)
    failover.startManual('TAKEOVER', 0)
    assert.equal(nodes.replica.role, 'master')
    assert.equal(nodes.replica.configEpoch, 4)
    assert.equal(state.slotsOf(nodes.replica).length, 5462)
  })
})

describe('Failover votes (master side)', () => {
  const request = (currentEpoch: number, overrides = {}) => ({
    configEpoch: 1,
    currentEpoch,
    forceAck: false,
    slots: [0, 1, 2],
    ...overrides,
  })

  it('votes once per epoch, for a replica of a FAIL master whose claim is not older than the owners', () => {
    const {nodes, state} = cluster('a')
    // Seen from b: a is failing, and b votes.
    const b = new ClusterState(nodes.b)
    for (const node of Object.values(nodes)) if (node !== nodes.b) b.addNode(node)
    for (let slot = 0; slot < 16_384; slot++) b.assignSlot(slot, state.owners[slot])
    b.currentEpoch = 4
    const failover = new Failover(b, hooks().hooks)
    assert.equal(failover.vote(nodes.replica, request(4), 0), false, 'its master is not failing')
    nodes.a.fail = true
    assert.equal(failover.vote(nodes.replica, request(3), 0), false, 'an older epoch')
    assert.equal(failover.vote(nodes.replica, request(4, {slots: [6000]}), 0), false, 'b owns slot 6000 with epoch 2')
    assert.equal(failover.vote(nodes.replica, request(4), 0), true)
    assert.equal(b.lastVoteEpoch, 4)
    assert.equal(failover.vote(nodes.replica, request(4), 10), false, 'already voted in epoch 4')
    b.currentEpoch = 5
    assert.equal(failover.vote(nodes.replica, request(5), 1000), false, 'the same master within 2 x node-timeout')
    assert.equal(failover.vote(nodes.replica, request(5), 2001), true)
    assert.equal(failover.vote(nodes.b, request(5), 3000), false, 'a master does not get votes')
  })

  it('votes for a manual failover (FORCEACK) although the master is fine', () => {
    const {nodes} = cluster('a')
    const b = new ClusterState(nodes.b)
    for (const node of Object.values(nodes)) if (node !== nodes.b) b.addNode(node)
    b.assignSlot(6000, nodes.b)
    b.currentEpoch = 4
    const failover = new Failover(b, hooks().hooks)
    assert.equal(failover.vote(nodes.replica, request(4, {forceAck: true}), 0), true)
  })

  it('holds writes for its replica manual failover, and lets them go once it is a replica', () => {
    const {nodes, state} = cluster('a')
    const {hooks: h, recorded} = hooks()
    const failover = new Failover(state, h)
    failover.masterPauseRequested(nodes.b, 0)
    assert.equal(failover.paused, false, 'only for one of its own replicas')
    failover.masterPauseRequested(nodes.replica, 0)
    assert.equal(failover.paused, true)
    assert.deepEqual(recorded.pauses, ['pause 10000'])
    failover.tick(100)
    assert.equal(failover.paused, true)
    state.setMaster(nodes.replica)
    failover.tick(200)
    assert.equal(failover.paused, false)
    assert.deepEqual(recorded.pauses, ['pause 10000', 'unpause'])
  })
})
