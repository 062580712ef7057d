import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {checkCluster, type FindingCode, isHealthy} from '../../../src/cluster/checks.js'
import {formatRanges} from '../../../src/cluster/slots.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

const codes = (name: string): FindingCode[] => checkCluster(snapshotFromFixture(name)).map((f) => f.code)
const finding = (name: string, code: FindingCode) =>
  checkCluster(snapshotFromFixture(name)).find((f) => f.code === code)

describe('checks on captured cluster states', () => {
  it('finds nothing wrong with a healthy 3+3 cluster', () => {
    assert.deepEqual(checkCluster(snapshotFromFixture('healthy-3x1')), [])
  })

  it('reports a slot left migrating on its owner, naming the slot, the node and the direction', () => {
    const open = finding('migrating-only', 'OPEN_SLOT')!
    assert.equal(formatRanges(open.slots!), '100')
    assert.match(open.message, /slot 100 open: migrating on 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+/)
    assert.equal(open.nodes!.length, 1)
    assert.match(open.hint!, /^slotctl fix /)
    assert.deepEqual(codes('migrating-only'), ['OPEN_SLOT'])
  })

  it('reports a slot left importing on a non-owner', () => {
    const open = finding('importing-only', 'OPEN_SLOT')!
    assert.match(open.message, /slot 100 open: importing on 127\.0\.0\.1:\d+ from/)
    assert.deepEqual(codes('importing-only'), ['OPEN_SLOT'])
  })

  it('reports both sides of a half-moved slot in one finding', () => {
    const open = finding('half-moved', 'OPEN_SLOT')!
    assert.match(open.message, /migrating on .* to .*, importing on .* from /)
    assert.equal(open.nodes!.length, 2)
  })

  it('reports uncovered slots as one range', () => {
    const uncovered = finding('uncovered', 'UNCOVERED_SLOTS')!
    assert.equal(formatRanges(uncovered.slots!), '0-9')
    assert.match(uncovered.message, /10 slots 0-9 not covered: no node serves them/)
    assert.equal(isHealthy(checkCluster(snapshotFromFixture('uncovered'))), false)
  })

  it('reports the failed master whose replica took over, which redis-cli check passes', () => {
    const found = codes('failover-done')
    assert.ok(found.includes('NODE_FAILED'))
    assert.ok(found.includes('NODE_UNREACHABLE'))
    assert.ok(found.includes('NO_REPLICA'), 'the promoted replica has no replica of its own')
    assert.ok(!found.includes('UNCOVERED_SLOTS'))
    assert.match(finding('failover-done', 'NODE_FAILED')!.message, /master without slots .* is marked failed/)
  })

  it('reports a dead master without replica: failed, and its slots uncovered with the reason', () => {
    const uncovered = finding('master-down', 'UNCOVERED_SLOTS')!
    assert.equal(formatRanges(uncovered.slots!), '10922-16383')
    assert.match(uncovered.message, /owned by .*, which has failed/)
    assert.ok(codes('master-down').includes('NODE_FAILED'))
    assert.ok(codes('master-down').includes('CLUSTER_STATE_FAIL'))
  })

  it('warns about replicas on their master host when the cluster spans several hosts', () => {
    const placement = checkCluster(snapshotFromFixture('replica-same-host')).filter(
      (f) => f.code === 'REPLICA_SAME_HOST',
    )
    assert.ok(placement.length > 0)
    for (const f of placement) {
      assert.equal(f.severity, 'warning')
      assert.equal(f.nodes![0]!.address.split(':')[0], f.nodes![1]!.address.split(':')[0])
    }
  })

  it('stays quiet about placement when every node shares one host', () => {
    assert.ok(!codes('healthy-3x1').includes('REPLICA_SAME_HOST'))
  })

  it('reports masters that share a config epoch', () => {
    const collision = finding('epoch-collision', 'EPOCH_COLLISION')!
    assert.match(collision.message, /share config epoch 0/)
    assert.ok(collision.nodes!.length >= 2)
  })

  it('warns about a node stuck in handshake', () => {
    assert.ok(codes('address-forms').includes('NODE_HANDSHAKE'))
  })

  it('reports nodes that disagree about slot owners, with who says what', () => {
    // DELSLOTS changes only the owner's own map: its peers still list it as the owner of 0-9.
    const disagreement = finding('uncovered', 'CONFIG_DISAGREEMENT')!
    assert.equal(formatRanges(disagreement.slots!), '0-9')
    assert.match(
      disagreement.message,
      /nodes disagree about the owner of slots 0-9: .* say nobody; .* say 127\.0\.0\.1:\d+/,
    )
  })
})

describe('several owners of a slot', () => {
  it('reports slots two masters both claim, however their ranges interleave', () => {
    const snapshot = snapshotFromFixture('healthy-3x1')
    const [first, , third] = snapshot.nodes.filter((reading) => reading.self.role === 'master')
    assert.equal(formatRanges(first!.self.slots), '0-5460')
    const claimsMore = {...third!.self, slots: [{end: 20, start: 10}, {end: 60, start: 50}, ...third!.self.slots]}
    const nodes = snapshot.nodes.map((reading) => (reading === third ? {...reading, self: claimsMore} : reading))
    const owners = checkCluster({...snapshot, nodes}).filter((f) => f.code === 'MULTIPLE_OWNERS')
    assert.deepEqual(
      owners.map((f) => formatRanges(f.slots!)),
      ['10-20,50-60'],
    )
    assert.deepEqual(owners[0]!.nodes!.map((node) => node.id).sort(), [first!.self.id, third!.self.id].sort())
  })
})
