import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {keyHashSlot} from '../../../src/cluster/keyslot.js'
import {FailureDetector} from '../../../src/embedded/cluster/failure-detector.js'
import {nodesDescription} from '../../../src/embedded/cluster/nodes-format.js'
import {loadClusterConfig, saveClusterConfig} from '../../../src/embedded/cluster/persistence.js'
import {
  CLUSTER_DOWN,
  CROSSSLOT,
  routeCommands,
  SLOT_NOT_SERVED,
  TRYAGAIN,
} from '../../../src/embedded/cluster/routing.js'
import {ClusterNode, ClusterState, toRanges} from '../../../src/embedded/cluster/state.js'
import {Keyspace} from '../../../src/embedded/keyspace.js'

const ID = {a: 'a'.repeat(40), b: 'b'.repeat(40), c: 'c'.repeat(40)}

function twoMasters(): {state: ClusterState; me: ClusterNode; peer: ClusterNode} {
  const me = new ClusterNode(ID.a, '127.0.0.1', 7000, 17_000)
  const peer = new ClusterNode(ID.b, '127.0.0.1', 7001, 17_001)
  const state = new ClusterState(me)
  state.addNode(peer)
  for (let slot = 0; slot < 16_384; slot++) state.assignSlot(slot, slot < 8192 ? me : peer)
  me.configEpoch = 1
  peer.configEpoch = 2
  return {me, peer, state}
}

const command = (keys: string[], write = false) => ({
  asking: false,
  isMigrate: false,
  keys: keys.map((key) => Buffer.from(key)),
  write,
})
const plainClient = {asking: false, readonly: false}

describe('routeCommands', () => {
  it('serves own slots, redirects others with MOVED and refuses cross-slot requests', () => {
    const {state} = twoMasters()
    const keyspace = new Keyspace()
    assert.equal(keyHashSlot('{b}x'), 3300)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{b}x', '{b}y'])]), undefined)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{a}x'])]), 'MOVED 15495 127.0.0.1:7001')
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{b}x', '{a}x'])]), CROSSSLOT)
    state.assignSlot(3300, undefined)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{b}x'])]), SLOT_NOT_SERVED)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{a}x'])]), CLUSTER_DOWN)
  })

  it('asks for missing keys while migrating and serves importing slots only after ASKING', () => {
    const {peer, state} = twoMasters()
    const keyspace = new Keyspace()
    keyspace.set('{b}here', {type: 'string', value: Buffer.from('v')})
    state.migratingTo.set(3300, peer)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{b}here'], true)]), undefined)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{b}gone'])]), 'ASK 3300 127.0.0.1:7001')
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{b}here', '{b}gone'])]), TRYAGAIN)

    state.importingFrom.set(15_495, peer)
    assert.equal(routeCommands(state, keyspace, plainClient, [command(['{a}x'])]), 'MOVED 15495 127.0.0.1:7001')
    const asking = {asking: true, readonly: false}
    assert.equal(routeCommands(state, keyspace, asking, [command(['{a}x'])]), undefined)
    assert.equal(routeCommands(state, keyspace, asking, [command(['{a}x', '{a}y'])]), TRYAGAIN)
  })

  it('lets a READONLY replica serve reads of its master, never writes', () => {
    const {me, peer, state} = twoMasters()
    state.setMaster(peer)
    assert.equal(me.role, 'slave')
    // Gossip from the new master gives it the slots a new replica let go of.
    state.applySlotClaims(
      peer,
      Array.from({length: 8192}, (_, slot) => slot),
    )
    const keyspace = new Keyspace()
    const readonly = {asking: false, readonly: true}
    assert.equal(routeCommands(state, keyspace, readonly, [command(['{a}x'])]), undefined)
    assert.equal(routeCommands(state, keyspace, readonly, [command(['{a}x'], true)]), 'MOVED 15495 127.0.0.1:7001')
  })
})

describe('ClusterState epoch rules', () => {
  it('gives a claimed slot to the claimer with the higher configEpoch and reports newer owners', () => {
    const {me, peer, state} = twoMasters()
    const lost: number[] = []
    state.onSlotLost = (slot) => lost.push(slot)
    assert.deepEqual(state.applySlotClaims(peer, [0, 1]), [])
    assert.deepEqual(lost, [0, 1])
    assert.equal(state.owners[0], peer)

    me.configEpoch = 5
    assert.deepEqual(state.applySlotClaims(peer, [2]), [me])
    assert.equal(state.owners[2], me)

    state.importingFrom.set(3, peer)
    peer.configEpoch = 9
    state.applySlotClaims(peer, [3])
    assert.equal(state.owners[3], me)
  })

  it('makes a master that lost its last slot a replica of the winner', () => {
    const {me, peer, state} = twoMasters()
    state.applySlotClaims(
      peer,
      Array.from({length: 8192}, (_, slot) => slot),
    )
    assert.equal(me.role, 'slave')
    assert.equal(me.masterId, peer.id)
  })

  it('resolves an epoch collision: the smaller id takes a new epoch', () => {
    const {me, peer, state} = twoMasters()
    peer.configEpoch = 1
    state.currentEpoch = 2
    state.resolveEpochCollision(peer)
    assert.equal(me.configEpoch, 3)
    assert.equal(state.currentEpoch, 3)
  })

  it('bumps the epoch only when it is zero or not the highest', () => {
    const {me, state} = twoMasters()
    state.currentEpoch = 2
    assert.equal(state.bumpConfigEpoch(), true)
    assert.equal(me.configEpoch, 3)
    assert.equal(state.bumpConfigEpoch(), false)
  })
})

describe('nodes.conf', () => {
  it('writes CLUSTER NODES lines and reads them back into the same state', () => {
    const {me, peer, state} = twoMasters()
    state.migratingTo.set(5, peer)
    state.currentEpoch = 7
    const replica = new ClusterNode(ID.c, '127.0.0.1', 7002, 17_002)
    replica.role = 'slave'
    replica.masterId = peer.id
    state.addNode(replica)
    const text = nodesDescription(state)
    assert.ok(text.endsWith('\n'))
    assert.match(
      text,
      new RegExp(
        `^${ID.a} 127\\.0\\.0\\.1:7000@17000 myself,master - 0 \\d+ 1 connected 0-8191 \\[5->-${ID.b}\\]$`,
        'm',
      ),
    )
    assert.match(text, new RegExp(`^${ID.c} 127\\.0\\.0\\.1:7002@17002 slave ${ID.b} 0 0 2 disconnected$`, 'm'))

    const dir = mkdtempSync(join(tmpdir(), 'slotctl-nodes-conf-'))
    try {
      saveClusterConfig(dir, state)
      const restored = new ClusterState(new ClusterNode('x'.repeat(40), '127.0.0.1', 7000, 17_000))
      assert.equal(loadClusterConfig(dir, restored), true)
      assert.equal(restored.myself.id, me.id)
      assert.equal(restored.currentEpoch, 7)
      assert.equal(restored.myself.configEpoch, 1)
      assert.deepEqual(toRanges(restored.slotsOf(restored.myself)), [[0, 8191]])
      assert.equal(restored.migratingTo.get(5)?.id, peer.id)
      assert.equal(restored.node(ID.c)?.masterId, peer.id)

      // A shorter configuration rewrites the file in place: nothing of the longer one may remain.
      state.forget(replica)
      saveClusterConfig(dir, state)
      const saved = readFileSync(join(dir, 'nodes.conf'), 'utf8')
      assert.equal(saved.split('\n').length, 4)
      assert.ok(saved.endsWith('\nvars currentEpoch 7 lastVoteEpoch 0\n'))
      assert.doesNotMatch(saved, new RegExp(ID.c))

      // A node whose directory does not exist yet makes it on its first save.
      saveClusterConfig(join(dir, 'new'), state)
      assert.equal(
        loadClusterConfig(join(dir, 'new'), new ClusterState(new ClusterNode(ID.c, '127.0.0.1', 1, 2))),
        true,
      )
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })
})

describe('slotsOf', () => {
  it('follows every owner change and never changes a list it handed out', () => {
    const {me, peer, state} = twoMasters()
    const held = state.slotsOf(me)
    state.assignSlot(100, peer)
    state.assignSlot(9000, me)
    state.assignSlot(0, undefined, {keepKeys: true})
    assert.equal(held.length, 8192)
    assert.deepEqual(toRanges(state.slotsOf(me)), [
      [1, 99],
      [101, 8191],
      [9000, 9000],
    ])
    assert.deepEqual(toRanges(state.slotsOf(peer)), [
      [100, 100],
      [8192, 8999],
      [9001, 16_383],
    ])
    for (const slot of state.slotsOf(peer)) state.assignSlot(slot, me)
    assert.deepEqual(toRanges(state.slotsOf(me)), [[1, 16_383]])
    assert.deepEqual(state.slotsOf(peer), [])
  })
})

describe('FailureDetector', () => {
  it('marks PFAIL after node-timeout, FAIL once a majority agrees, and clears them when the node is heard as Redis does', () => {
    const {me, peer, state} = twoMasters()
    const third = new ClusterNode(ID.c, '127.0.0.1', 7002, 17_002)
    state.addNode(third)
    state.assignSlot(0, third)
    const detector = new FailureDetector(state, () => 1000)
    assert.deepEqual(detector.check(0), [])
    detector.heardFrom(peer, 1500)
    assert.deepEqual(detector.check(1500), [])
    assert.equal(third.pfail, true)
    assert.equal(peer.pfail, false)

    // Three masters own slots: two votes are needed, ours and one report.
    detector.gossip(peer, third, true, 1600)
    assert.equal(detector.reportCount(third, 1600), 1)
    assert.deepEqual(detector.check(1700), [third])
    assert.equal(third.fail, true)
    assert.equal(third.pfail, false)
    assert.equal(state.stateOk, false)
    assert.equal(detector.reportCount(third, 1600 + 2001), 0)

    // A master still serving slots stays FAIL for 2 x node-timeout, time for a replica to take them over.
    detector.heardFrom(third, 2000)
    assert.equal(third.fail, true)
    detector.heardFrom(third, 4000)
    assert.equal(third.fail, false)
    assert.equal(state.stateOk, true)
    assert.equal(me.fail, false)
  })
})
