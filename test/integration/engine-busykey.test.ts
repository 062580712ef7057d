import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {keyHashSlot} from '../../src/cluster/keyslot.js'
import {runCli, scratchDir} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {type RedisServer, redisServerAvailable, referenceCheck, requireRedisServer} from '../helpers/servers.js'

describe(
  'BUSYKEY: a key already on the target is never overwritten silently',
  {skip: !redisServerAvailable() && !process.env.CI},
  () => {
    let cluster: TestCluster
    let source: RedisServer
    let target: RedisServer
    before(async () => {
      cluster = await startCluster({masters: 2, replicas: 0})
      ;[source, target] = cluster.masters as [RedisServer, RedisServer]
    })
    after(() => cluster?.close())

    /** Puts `key` on the source, and a copy with `targetValue` on the target, which does not own its slot. */
    async function duplicate(key: string, targetValue: string): Promise<number> {
      const slot = keyHashSlot(key)
      const sourceId = await cluster.nodeId(source)
      await cluster.with(source, (c) => c.set(key, 'from-source'))
      await cluster.with(target, async (c) => {
        await c.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId)
        await c.call('ASKING')
        await c.set(key, targetValue)
        await c.call('CLUSTER', 'SETSLOT', slot, 'STABLE')
      })
      return slot
    }

    /** A key of a slot the source owns (the first half, in a two-master cluster). */
    const sourceKey = (prefix: string) => {
      for (let i = 0; ; i++) if (keyHashSlot(`{${prefix}-${i}}`) < 8192) return `{${prefix}-${i}}`
    }

    const onTarget = (key: string) => cluster.with(target, async (c) => (await c.call('ASKING'), c.get(key)))

    it('stops with the key named and nothing overwritten; once the copies agree, the resume finishes', async (t) => {
      if (!requireRedisServer(t)) return
      const key = sourceKey('busy')
      const slot = await duplicate(key, 'different')
      const cwd = scratchDir(t)
      const failed = await runCli(
        ['reshard', source.address, '--to', target.address, '--range', String(slot), '--yes'],
        {cwd},
      )
      assert.equal(failed.status, 1, failed.stderr)
      assert.ok(failed.stderr.includes(`different values: "${key}"`), failed.stderr)
      assert.match(failed.stderr, /Nothing was overwritten/)
      assert.equal(await cluster.with(source, (c) => c.get(key)), 'from-source')
      assert.equal(await onTarget(key), 'different')
      const file = /continue with: slotctl apply (\S+) --resume/.exec(failed.stderr)?.[1]
      assert.ok(file, failed.stderr)

      // The operator decides the target copy is a stale duplicate of the same value.
      await cluster.with(target, async (c) => (await c.call('ASKING'), c.set(key, 'from-source')))
      const resumed = await runCli(['apply', file, '--resume', '--yes'], {cwd})
      assert.equal(resumed.status, 0, resumed.stderr)
      assert.equal(await cluster.with(target, (c) => c.get(key)), 'from-source')
      assert.equal(await cluster.with(source, (c) => c.call('CLUSTER', 'COUNTKEYSINSLOT', slot)), 0)
      const verdict = referenceCheck(cluster.seed)
      assert.equal(verdict.status, 0, verdict.output)
    })

    it('overwrites a different copy only with --replace', async (t) => {
      if (!requireRedisServer(t)) return
      const key = sourceKey('replace')
      const slot = await duplicate(key, 'different')
      const moved = await runCli(
        ['reshard', source.address, '--to', target.address, '--range', String(slot), '--replace', '--yes'],
        {cwd: scratchDir(t)},
      )
      assert.equal(moved.status, 0, moved.stderr)
      assert.equal(await cluster.with(target, (c) => c.get(key)), 'from-source')
      const verdict = referenceCheck(cluster.seed)
      assert.equal(verdict.status, 0, verdict.output)
    })
  },
)
