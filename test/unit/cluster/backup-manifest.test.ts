import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {backupManifest, rdbFileName} from '../../../src/cluster/backup-manifest.js'
import {readingFrom} from '../../../src/cluster/snapshot.js'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)
const view = (self: string) =>
  [
    `${A} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-8191 [8191->-${B}]`,
    `${B} 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383 [8191-<-${A}]`,
    `${C} 127.0.0.1:7002@17002 slave ${A} 0 0 1 connected`,
  ]
    .map((line) => (line.startsWith(self) ? line.replace(/ (master|slave) /, ' myself,$1 ') : line))
    .join('\n')

const reading = (id: string, port: number) =>
  readingFrom({address: `127.0.0.1:${port}`, clusterInfo: 'cluster_state:ok', clusterNodes: view(id), info: ''})

describe('backupManifest', () => {
  it('names RDB files as redis-cli does, IPv6 hosts without brackets or colons', () => {
    assert.equal(rdbFileName('127.0.0.1:7000', A), `redis-node-127.0.0.1-7000-${A}.rdb`)
    assert.equal(rdbFileName('[::1]:7000', A), `redis-node-__1-7000-${A}.rdb`)
  })

  it('records each node as it sees itself: role, master, slots, open slots, and the RDB of each master', () => {
    const snapshot = {
      nodes: [reading(A, 7000), reading(B, 7001), reading(C, 7002)],
      seed: '127.0.0.1:7000',
      unreachable: [],
    }
    const manifest = backupManifest(snapshot, [], new Date('2026-01-02T03:04:05Z'))
    assert.equal(manifest.createdAt, '2026-01-02T03:04:05.000Z')
    const [a, b, c] = manifest.nodes
    assert.deepEqual(
      [a?.slots, a?.slotsCount, a?.migrating, a?.rdb, a?.flags],
      ['0-8191', 8192, {8191: B}, `redis-node-127.0.0.1-7000-${A}.rdb`, ['master']],
    )
    assert.deepEqual(b?.importing, {8191: A})
    assert.deepEqual([c?.role, c?.masterId, c?.rdb], ['replica', A, null])
  })
})
