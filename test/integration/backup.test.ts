/**
 * `slotctl backup` per engine on a password-protected cluster (3+3 of redis-server, 3 embedded masters): an RDB
 * per master over SYNC that redis-check-rdb accepts and that holds every key of that master, and nodes.json with
 * the topology.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import type {Redis} from 'ioredis'

import {keyHashSlot} from '../../src/cluster/keyslot.js'
import {isMyself, parseClusterNodes} from '../../src/cluster/nodes.js'
import {jsonOf, runCli} from '../helpers/cli.js'
import {engines, type TestClusterOf, withClient} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, serverTool} from '../helpers/servers.js'

const PASSWORD = 'backup-pw-9000'
const KEYS_PER_MASTER = 200

type BackupJson = {rdbs: Array<{address: string; bytes: number; file: string; id: string}>}
type Manifest = {
  nodes: Array<{id: string; masterId: string | null; rdb: string | null; role: string; slotsCount: number}>
}

for (const engine of engines) {
  describe(`backup on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    let dir = ''
    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3, password: PASSWORD, replicas: 1})
      dir = join(mkdtempSync(join(tmpdir(), 'slotctl-backup-')), 'new-dir')
      for (const master of cluster.masters) await withClient(master, (client) => fill(client))
    })
    after(async () => {
      await cluster?.close()
      if (dir) rmSync(join(dir, '..'), {force: true, recursive: true})
    })

    it('saves one valid RDB per master with all its keys, and nodes.json', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['backup', cluster!.seed, dir, '--password', PASSWORD, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<BackupJson>(result)
      assert.equal(json.rdbs.length, 3)
      for (const rdb of json.rdbs) {
        assert.match(rdb.file, /^redis-node-127\.0\.0\.1-\d+-[0-9a-f]{40}\.rdb$/)
        const check = spawnSync(serverTool('check-rdb'), [join(dir, rdb.file)], {encoding: 'utf8'})
        assert.equal(check.status, 0, check.stdout)
        assert.match(check.stdout, new RegExp(`\\b${KEYS_PER_MASTER} keys read`))
        assert.equal(readFileSync(join(dir, rdb.file)).length, rdb.bytes)
      }

      const manifest = JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8')) as Manifest
      assert.equal(manifest.nodes.length, cluster!.masters.length + cluster!.replicas.length)
      assert.equal(manifest.nodes.filter((node) => node.rdb !== null).length, 3)
      assert.equal(
        manifest.nodes.reduce((sum, node) => sum + node.slotsCount, 0),
        16_384,
      )
      for (const replica of manifest.nodes.filter((node) => node.role === 'replica')) {
        assert.ok(manifest.nodes.some((node) => node.id === replica.masterId))
      }
    })
  })
}

/** KEYS_PER_MASTER keys on this master, under one hash tag of a slot it owns. */
async function fill(client: Redis): Promise<void> {
  const self = parseClusterNodes(String(await client.call('CLUSTER', 'NODES'))).find((line) => isMyself(line))!
  const owns = (slot: number) => self.slots.some((range) => range.start <= slot && slot <= range.end)
  let tag = 0
  while (!owns(keyHashSlot(`t${tag}`))) tag++
  const pipeline = client.pipeline()
  for (let i = 0; i < KEYS_PER_MASTER; i++) pipeline.set(`{t${tag}}:${i}`, 'x'.repeat(100))
  await pipeline.exec()
}
