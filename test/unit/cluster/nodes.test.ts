import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import {describe, it} from 'node:test'

import {parseClusterNodes, parseNodeLine} from '../../../src/cluster/nodes.js'
import {formatRanges} from '../../../src/cluster/slots.js'
import {loadClusterFixture} from '../../helpers/fixtures.js'

const fixtureNames = readdirSync(new URL('../../../fixtures/cluster/', import.meta.url)).map((f) =>
  f.replace('.json', ''),
)

describe('CLUSTER NODES parser', () => {
  it('parses every line of every captured fixture, with exactly one myself line per node', () => {
    for (const name of fixtureNames) {
      for (const node of loadClusterFixture(name).nodes) {
        const lines = parseClusterNodes(node.clusterNodes)
        assert.equal(lines.length, node.clusterNodes.trim().split('\n').length, name)
        assert.equal(lines.filter((line) => line.flags.includes('myself')).length, 1, name)
        for (const line of lines) assert.match(line.id, /^[0-9a-f]{40}$/, name)
      }
    }
  })

  it('reads masters, replicas, epochs and slot ranges of a healthy cluster', () => {
    const lines = parseClusterNodes(loadClusterFixture('healthy-3x1').nodes[0]!.clusterNodes)
    const masters = lines.filter((line) => line.role === 'master')
    const replicas = lines.filter((line) => line.role === 'replica')
    assert.equal(masters.length, 3)
    assert.equal(replicas.length, 3)
    assert.deepEqual(masters.map((m) => formatRanges(m.slots)).sort(), ['0-5460', '10922-16383', '5461-10921'])
    for (const replica of replicas) assert.ok(masters.some((m) => m.id === replica.masterId))
    assert.deepEqual(new Set(masters.map((m) => m.configEpoch)), new Set([1, 2, 3]))
    assert.ok(lines.every((line) => line.linkState === 'connected'))
  })

  it('reads migrating and importing markers on the myself line', () => {
    const fixture = loadClusterFixture('half-moved')
    const selfLines = fixture.nodes.map((n) =>
      parseClusterNodes(n.clusterNodes).find((l) => l.flags.includes('myself'))!,
    )
    const migrating = selfLines.find((line) => line.migrating.length > 0)!
    const importing = selfLines.find((line) => line.importing.length > 0)!
    assert.deepEqual(migrating.migrating, [{peerId: importing.id, slot: 100}])
    assert.deepEqual(importing.importing, [{peerId: migrating.id, slot: 100}])
    assert.equal(formatRanges(migrating.slots), '0-5460', 'the open marker is not an owned slot')
  })

  it('reads fail flags and the disconnected link of a killed master', () => {
    const lines = parseClusterNodes(loadClusterFixture('failover-done').nodes[0]!.clusterNodes)
    const failed = lines.find((line) => line.flags.includes('fail'))!
    assert.equal(failed.role, 'master')
    assert.equal(failed.linkState, 'disconnected')
    assert.deepEqual(failed.slots, [])
  })

  it('reads IPv6 hosts, announced hostnames and handshake entries', () => {
    const lines = parseClusterNodes(loadClusterFixture('address-forms').nodes[0]!.clusterNodes)
    const named = lines.filter((line) => line.hostname)
    assert.equal(named.length, 3)
    for (const line of named) {
      assert.equal(line.host, '::1')
      assert.match(line.hostname!, /^node-\d\.example$/)
      assert.equal(line.busPort, line.port + 10_000)
    }

    const handshake = lines.find((line) => line.flags.includes('handshake'))!
    assert.deepEqual([handshake.host, handshake.port, handshake.busPort], ['::1', 1, 10_001])
  })

  it('reads the noaddr form, noflags, and key=value fields after the hostname (Redis 7.2+)', () => {
    const noaddr = parseNodeLine('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca :0@0 master,noaddr - 1 2 3 disconnected')
    assert.deepEqual([noaddr.host, noaddr.port, noaddr.flags], ['', 0, ['master', 'noaddr']])
    const withAux = parseNodeLine(
      '07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,,tls-port=0,shard-id=69bc noflags - 0 0 0 connected',
    )
    assert.deepEqual(
      [withAux.host, withAux.port, withAux.busPort, withAux.hostname],
      ['127.0.0.1', 30_004, 31_004, undefined],
    )
    assert.deepEqual(withAux.flags, [])
  })

  it('rejects a line that is not CLUSTER NODES output, saying why', () => {
    assert.throws(() => parseNodeLine('hello world'), /2 fields/)
    assert.throws(
      () => parseNodeLine('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7000@17000 master - 0 0 1 connected x-y'),
      /slot token/,
    )
  })
})
