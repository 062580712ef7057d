import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseServerIdentity} from '../../../src/cluster/capabilities/index.js'
import {checkCluster} from '../../../src/cluster/checks.js'
import type {ClusterSnapshot} from '../../../src/cluster/snapshot.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

const REDIS_7_0 = parseServerIdentity({redis_version: '7.0.15'})
const VALKEY_8 = parseServerIdentity({redis_version: '7.2.4', server_name: 'valkey', valkey_version: '8.0.1'})

/** The healthy 3+3 cluster with its first `upgraded` nodes on Valkey 8 and the rest on Redis 7.0. */
function halfUpgraded(upgraded: number): ClusterSnapshot {
  const snapshot = snapshotFromFixture('healthy-3x1')
  const nodes = snapshot.nodes.map((node, i) => ({...node, server: i < upgraded ? VALKEY_8 : REDIS_7_0}))
  return {...snapshot, nodes}
}

const mixed = (snapshot: ClusterSnapshot) => checkCluster(snapshot).filter((f) => f.code === 'MIXED_SERVERS')

describe('nodes of one cluster on different servers', () => {
  it('says nothing when every node runs the same server', () => {
    assert.deepEqual(mixed(halfUpgraded(0)), [])
    assert.deepEqual(mixed(halfUpgraded(6)), [])
  })

  it('warns with the count per server, the first nodes of each, and which way keys cannot move', () => {
    const snapshot = halfUpgraded(2)
    const [finding, ...others] = mixed(snapshot)
    assert.deepEqual(others, [])
    assert.equal(finding!.severity, 'warning')
    const [a, b, c] = snapshot.nodes.slice(2).map((node) => node.address)
    const [e, f] = snapshot.nodes.slice(0, 2).map((node) => node.address)
    assert.equal(
      finding!.message,
      `nodes run different servers: 4 on redis 7.0.15 (${a}, ${b}, ${c}, …); 2 on valkey 8.0.1 (${e}, ${f})` +
        '; keys cannot move from valkey 8.0.1 to redis 7.0.15',
    )
    assert.deepEqual(
      finding!.nodes!.map((node) => node.address),
      [a, b, c, e, f],
    )
  })

  it('tells versions of one engine apart', () => {
    const snapshot = snapshotFromFixture('healthy-3x1')
    const nodes = snapshot.nodes.map((node, i) => ({
      ...node,
      server: parseServerIdentity({redis_version: i === 0 ? '7.2.4' : '7.0.15'}),
    }))
    assert.match(mixed({...snapshot, nodes})[0]!.message, /5 on redis 7\.0\.15 .*; 1 on redis 7\.2\.4 /)
  })
})
