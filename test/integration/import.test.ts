/**
 * `slotctl import` per engine: every key of a password-protected standalone server (five types, a TTL, a key
 * that is not UTF-8) into a password-protected cluster, none lost; --copy with keys the cluster already has;
 * --replace; and a cluster node refused as the source.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {Cluster} from 'ioredis'

import {jsonOf, runCli} from '../helpers/cli.js'
import {engines, type TestClusterOf, type TestNode, withClient} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const PASSWORD = 'import-cluster-pw'
const SOURCE_PASSWORD = 'import-source-pw'
const KEYS = 1500
const BINARY_KEY = Buffer.from([0xff, 0x00, 0xfe, 0x41])

type ImportJson = {alreadyThere: number; busy: number; failed: number; moved: number; sourceKeys: number}

async function fill(source: TestNode): Promise<void> {
  await withClient(source, async (client) => {
    const pipeline = client.pipeline()
    for (let i = 0; i < KEYS; i++) pipeline.set(`string:${i}`, `value ${i}`)
    pipeline.hset('hash', {a: '1', b: '2'})
    pipeline.rpush('list', 'x', 'y', 'z')
    pipeline.sadd('set', 'm', 'n')
    pipeline.zadd('zset', 1, 'one', 2, 'two')
    pipeline.set('expiring', 'soon', 'EX', 3600)
    pipeline.set(BINARY_KEY, 'binary')
    await pipeline.exec()
  })
}

for (const engine of engines) {
  describe(`import on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    let source: TestNode | undefined
    let client: Cluster | undefined
    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3, password: PASSWORD})
      source = await engine.startNode({cluster: false, password: SOURCE_PASSWORD})
      const [host, port] = [cluster.masters[0]!.host, cluster.masters[0]!.port]
      client = new Cluster([{host, port}], {redisOptions: {password: PASSWORD}})
    })
    after(async () => {
      client?.disconnect()
      await Promise.all([cluster?.close(), source?.stop()])
    })

    const run = (...extra: string[]) =>
      runCli(['import', cluster!.seed, '--from', source!.address, '-a', PASSWORD, '--json', ...extra], {
        env: {REDISCLI_FROM_AUTH: SOURCE_PASSWORD},
      })
    const sourceSize = () => withClient(source!, (c) => c.dbsize())
    const clusterSize = async () =>
      (await Promise.all(cluster!.masters.map((node) => withClient(node, (c) => c.dbsize())))).reduce((a, b) => a + b)

    it('moves every key to the master that owns its slot, losing none', async (t) => {
      if (!requireRedisServer(t)) return
      await fill(source!)
      const total = KEYS + 6
      const dry = await run('--dry-run')
      assert.equal(dry.status, 0, dry.stderr)
      const planned = jsonOf<{dryRun: boolean; sourceKeys: number}>(dry)
      assert.deepEqual([planned.dryRun, planned.sourceKeys], [true, total])
      assert.deepEqual([await sourceSize(), await clusterSize()], [total, 0], 'the dry run moved nothing')
      const result = await run()
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<ImportJson>(result)
      assert.deepEqual([json.sourceKeys, json.moved, json.busy, json.failed], [total, total, 0, 0])
      assert.equal(await sourceSize(), 0)
      assert.equal(await clusterSize(), total)
      assert.equal(await client!.get('string:777'), 'value 777')
      assert.deepEqual(await client!.hgetall('hash'), {a: '1', b: '2'})
      assert.deepEqual(await client!.lrange('list', 0, -1), ['x', 'y', 'z'])
      assert.deepEqual(await client!.zrange('zset', 0, -1), ['one', 'two'])
      assert.ok((await client!.ttl('expiring')) > 3000, 'the TTL came along')
      assert.equal(await client!.get(BINARY_KEY), 'binary')
    })

    it('with --copy leaves the source as it is; keys the cluster has with another value stay (exit 1) until --replace', async (t) => {
      if (!requireRedisServer(t)) return
      await withClient(source!, async (c) => {
        await c.set('string:1', 'value 1') // identical to the cluster's copy
        await c.set('string:2', 'changed') // differs
        await c.set('fresh', 'new')
      })
      const copy = await run('--copy')
      assert.equal(copy.status, 1, copy.stderr)
      const json = jsonOf<ImportJson>(copy)
      assert.deepEqual([json.moved, json.alreadyThere, json.busy, json.failed], [1, 1, 1, 0])
      assert.equal(await sourceSize(), 3)
      assert.equal(await client!.get('string:2'), 'value 2')
      const replaced = await run('--replace')
      assert.equal(replaced.status, 0, replaced.stderr)
      assert.equal(await client!.get('string:2'), 'changed')
      assert.equal(await sourceSize(), 0)
    })

    it('refuses a cluster node as the source with exit 2, and a source that wants a password with exit 3', async (t) => {
      if (!requireRedisServer(t)) return
      const from = ['import', cluster!.seed, '--from', cluster!.masters[1]!.address, '-a', PASSWORD]
      const result = await runCli([...from, '--from-password', PASSWORD])
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, /--from .* is a cluster node/)
      const unauthenticated = await runCli(from)
      assert.equal(unauthenticated.status, 3, unauthenticated.stderr)
      assert.match(unauthenticated.stderr, /--from-password/)
    })
  })
}
