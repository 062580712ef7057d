/** Restart with data: a node keeps its keys in dump.rdb in its directory and loads them when it starts again. */
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {Redis} from 'ioredis'

import {startEmbeddedNode} from '../../../src/embedded/index.js'
import {readRdbFile} from '../../../src/embedded/rdb/index.js'
import {requireRedisServer, waitFor} from '../../helpers/servers.js'
import {createCluster, redisCli, startNodes} from './embedded-nodes.js'

test('a node closed and started again on its directory serves the same keys, expiry included', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 3)
  await createCluster(nodes)
  const [first] = nodes
  assert.ok(first)
  // Keys of this node's own slots, so that they stay on it.
  const client = new Redis({lazyConnect: true, port: first.port})
  t.after(() => client.disconnect())
  await client.connect()
  const keys: string[] = []
  for (let i = 0; keys.length < 50; i++) {
    const key = `key:${i}`
    const owner = (await client.cluster('KEYSLOT', key)) as number
    if (owner < 5461) keys.push(key)
  }

  for (const key of keys) await client.set(key, `value of ${key}`)
  await client.rpush('{key:0}list', 'a', 'b', 'c')
  await client.set('{key:0}expiring', 'soon', 'PX', 600_000)
  client.disconnect()
  await first.close()

  const restarted = await startEmbeddedNode({dir: first.dir, port: first.port})
  t.after(() => restarted.close())
  const again = new Redis({lazyConnect: true, port: first.port})
  t.after(() => again.disconnect())
  await again.connect()
  const values = await Promise.all(keys.map((key) => again.get(key)))
  assert.deepEqual(
    values,
    keys.map((key) => `value of ${key}`),
  )
  assert.deepEqual(await again.lrange('{key:0}list', 0, -1), ['a', 'b', 'c'])
  const ttl = await again.pttl('{key:0}expiring')
  assert.ok(ttl > 0 && ttl <= 600_000, `ttl ${ttl}`)
  assert.equal(await again.dbsize(), keys.length + 2)
})

test('with saveDelayMs the keys reach dump.rdb soon after a write, without a shutdown', async (t) => {
  if (!requireRedisServer(t)) return
  const [node] = await startNodes(t, 1, {clusterEnabled: false, saveDelayMs: 100})
  assert.ok(node)
  const file = join(node.dir, 'dump.rdb')
  assert.equal(existsSync(file), false, 'nothing written before the first write')
  assert.match((await redisCli(['-p', String(node.port), 'SET', 'saved', 'yes'])).output, /OK/)
  await waitFor('dump.rdb to hold the key', () => {
    if (!existsSync(file)) return false
    return readRdbFile(readFileSync(file)).some((entry) => entry.key.toString() === 'saved')
  })
})
