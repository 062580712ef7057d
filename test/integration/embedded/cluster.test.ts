/**
 * A 3-master embedded cluster driven by the reference tool: `redis-cli --cluster create`, `check` and
 * `reshard`, with an ioredis Cluster client writing keys of all five types before the reshard and reading
 * them back after it.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'
import {isDeepStrictEqual} from 'node:util'

import {Cluster} from 'ioredis'

import {requireRedisServer} from '../../helpers/servers.js'
import {createCluster, redisCli, referenceCheck, startNodes} from './embedded-nodes.js'

const KEYS = 10_000
const TYPES = ['string', 'hash', 'list', 'set', 'zset'] as const

function keyOf(i: number): string {
  return `${TYPES[i % TYPES.length]}:${i}`
}

async function writeKeys(client: Cluster): Promise<void> {
  const writes: Promise<unknown>[] = []
  for (let i = 0; i < KEYS; i++) {
    const key = keyOf(i)
    switch (i % TYPES.length) {
      case 0: {
        writes.push(client.set(key, `v${i}`))
        break
      }

      case 1: {
        writes.push(client.hset(key, 'field', `v${i}`, 'n', String(i)))
        break
      }

      case 2: {
        writes.push(client.rpush(key, 'a', `v${i}`))
        break
      }

      case 3: {
        writes.push(client.sadd(key, 'm1', `v${i}`))
        break
      }

      default: {
        writes.push(client.zadd(key, i, `v${i}`, 0.5, 'half'))
      }
    }
  }

  await Promise.all(writes)
}

async function readKey(client: Cluster, i: number): Promise<unknown> {
  const key = keyOf(i)
  switch (i % TYPES.length) {
    case 0: {
      return client.get(key)
    }

    case 1: {
      return client.hgetall(key)
    }

    case 2: {
      return client.lrange(key, 0, -1)
    }

    case 3: {
      return (await client.smembers(key)).sort()
    }

    default: {
      return client.zrange(key, 0, -1, 'WITHSCORES')
    }
  }
}

function expected(i: number): unknown {
  switch (i % TYPES.length) {
    case 0: {
      return `v${i}`
    }

    case 1: {
      return {field: `v${i}`, n: String(i)}
    }

    case 2: {
      return ['a', `v${i}`]
    }

    case 3: {
      return ['m1', `v${i}`].sort()
    }

    default: {
      return ['half', '0.5', `v${i}`, String(i)]
    }
  }
}

test('redis-cli builds, checks and reshards an embedded cluster that ioredis reads and writes', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 3)
  const [first, second] = nodes
  assert.ok(first && second)

  const created = await createCluster(nodes)
  assert.match(created, /\[OK\] All 16384 slots covered/)
  const check = await referenceCheck(first.address)
  assert.equal(check.status, 0, check.output)
  assert.match(check.output, /\[OK\] All nodes agree about slots configuration/)

  const client = new Cluster([{host: first.host, port: first.port}])
  t.after(() => client.disconnect())
  await writeKeys(client)

  const reshard = await redisCli([
    '--cluster',
    'reshard',
    first.address,
    '--cluster-from',
    first.id,
    '--cluster-to',
    second.id,
    '--cluster-slots',
    '100',
    '--cluster-yes',
  ])
  assert.equal(reshard.status, 0, reshard.output)
  const afterReshard = await referenceCheck(second.address)
  assert.equal(afterReshard.status, 0, afterReshard.output)
  assert.match(afterReshard.output, /slots:\[0-99\],\[5461-10922\] \(5562 slots\) master/)

  const mismatches: number[] = []
  const reads = await Promise.all(Array.from({length: KEYS}, (_, i) => readKey(client, i)))
  for (const [i, value] of reads.entries()) if (!isDeepStrictEqual(value, expected(i))) mismatches.push(i)
  assert.deepEqual(mismatches, [])

  const sizes = await Promise.all(
    nodes.map(async (node) => (await redisCli(['-p', String(node.port), 'DBSIZE'])).output.trim()),
  )
  assert.equal(
    sizes.reduce((sum, size) => sum + Number(size), 0),
    KEYS,
  )

  // `--cluster backup` takes one RDB file per master over SYNC; redis-check-rdb accepts them.
  const backupDir = mkdtempSync(join(tmpdir(), 'slotctl-backup-'))
  t.after(() => rmSync(backupDir, {force: true, recursive: true}))
  const backup = await redisCli(['--cluster', 'backup', first.address, backupDir])
  assert.equal(backup.status, 0, backup.output)
  const files = readdirSync(backupDir).filter((name) => name.endsWith('.rdb'))
  assert.equal(files.length, 3)
  for (const file of files) {
    const checked = spawnSync('redis-check-rdb', [join(backupDir, file)], {encoding: 'utf8'})
    assert.match(checked.stdout, /\\o\/ RDB looks OK! \\o\//, checked.stdout)
  }
})
