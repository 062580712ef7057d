import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {KeyslotResult} from '../../src/commands/keyslot.js'
import {jsonOf, runCli} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {redisServerAvailable} from '../helpers/servers.js'

/** Keys of every shape the hash-tag rule cares about, plus random ones. Never starting with `-` (a flag). */
function sampleKeys(): string[] {
  const shaped = [
    'a',
    '{user:1000}.following',
    '{user:1000}.followers',
    'foo{}{bar}',
    'foo{{bar}}zap',
    'foo{bar}{zap}',
    '{}',
    '{',
    '}',
    '}{x}',
    'x{y',
    'ключ{тег}',
    '日本語',
    'emoji:😀',
    '{a b}c',
  ]
  const random = Array.from({length: 400}, (_, i) => {
    const base = Math.random()
      .toString(36)
      .slice(2, 2 + (i % 12) + 1)
    return i % 3 === 0 ? `obj:{${base.slice(0, 3)}}:${i}` : i % 3 === 1 ? `${base}:${i}` : `${base}{}${i}`
  })
  return [...shaped, ...random]
}

describe('keyslot against a real 3-master cluster', {skip: !redisServerAvailable() && !process.env.CI}, () => {
  let cluster: TestCluster

  before(async () => {
    cluster = await startCluster({masters: 3, replicas: 0})
  })
  after(() => cluster?.close())

  it('agrees with CLUSTER KEYSLOT, and names the master that serves each key', async () => {
    const keys = sampleKeys()
    const result = await runCli(['keyslot', ...keys, cluster.seed, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const answer = jsonOf<KeyslotResult>(result)
    assert.equal(answer.node, cluster.seed)
    assert.deepEqual(
      answer.keys.map((k) => k.key),
      keys,
    )

    const redisSlots = await cluster.with(cluster.masters[0]!, async (client) => {
      const pipeline = client.pipeline()
      for (const key of keys) pipeline.call('CLUSTER', 'KEYSLOT', key)
      return ((await pipeline.exec()) ?? []).map(([error, slot]) => (error ? error.message : Number(slot)))
    })
    assert.deepEqual(
      answer.keys.map((k) => k.slot),
      redisSlots,
    )

    // The owner slotctl names serves the key (GET answers, even with nil); another master redirects it.
    const clients = new Map(cluster.masters.map((node) => [node.address, node.client()]))
    try {
      for (const {key, owner} of answer.keys.slice(0, 60)) {
        assert.ok(owner, `an owner for ${key}`)
        await clients.get(owner.address)!.get(key)
        const other = cluster.masters.find((node) => node.address !== owner.address)!
        await assert.rejects(clients.get(other.address)!.get(key), /MOVED/)
      }
    } finally {
      for (const client of clients.values()) client.disconnect()
    }
  })

  it('names no owner for a slot no master holds', async () => {
    const [first] = cluster.masters
    await cluster.with(first!, (c) => c.call('CLUSTER', 'DELSLOTS', '1649'))
    try {
      const result = await runCli(['keyslot', 'user:1000', first!.address, '--json'])
      assert.equal(result.status, 0, result.stderr)
      assert.deepEqual(jsonOf<KeyslotResult>(result).keys, [{key: 'user:1000', owner: null, slot: 1649}])
      const table = await runCli(['keyslot', 'user:1000', first!.address])
      assert.match(table.stdout, /^user:1000\s+1649\s+\(whole key\)\s+none$/m)
    } finally {
      await cluster.with(first!, (c) => c.call('CLUSTER', 'ADDSLOTS', '1649'))
    }
  })
})
