/**
 * One cluster of redis-server 7.0 and valkey-server 8 masters (Valkey speaks Redis 7's cluster bus): check
 * warns about the mix, and keys move only where the target can RESTORE the source's payloads (RDB 10 from
 * Redis 7.0 reads on Valkey 8; Valkey's RDB 11 does not read on Redis 7.0, so that move is refused before
 * anything changes). Needs both servers; runs once, in the pass with embedded nodes.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {after, before, describe, it} from 'node:test'

import {jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {joinCluster, TestCluster} from '../helpers/cluster.js'
import {embeddedEnabled, startRedisServer} from '../helpers/servers.js'
import {checksum, seedKeys} from './reshard-support.js'

const installed = (binary: string) => spawnSync(binary, ['--version']).status === 0
const bothServers = installed('redis-server') && installed('valkey-server')
if (process.env.CI && !bothServers) throw new Error('the mixed-servers test needs redis-server and valkey-server')

/** Each master's own slots, as its myself line prints them: changes when anything moved or opened. */
async function ownSlots(cluster: TestCluster): Promise<string[]> {
  return Promise.all(
    cluster.masters.map(async (node) => {
      const view = String(await cluster.with(node, (c) => c.call('CLUSTER', 'NODES')))
      return view
        .split('\n')
        .find((line) => line.includes('myself'))!
        .split(' ')
        .slice(8)
        .join(' ')
    }),
  )
}

describe(
  'a cluster of redis-server 7.0 and valkey-server 8 masters',
  {skip: !bothServers || !embeddedEnabled()},
  () => {
    let cluster: TestCluster
    before(async () => {
      const masters = await Promise.all(
        ['redis-server', 'valkey-server', 'redis-server'].map((binary) => startRedisServer({binary})),
      )
      cluster = new TestCluster(masters, [], undefined)
      await joinCluster(cluster, 0)
      await seedKeys(masters[0]!, 3000)
    })
    after(() => cluster?.close())

    it('check names the mix and the way keys cannot move, and stays healthy', async () => {
      const result = await runCli(['check', cluster.seed, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const {problems} = jsonOf<{problems: Array<{code: string; message: string}>}>(result)
      const mixed = problems.find((p) => p.code === 'MIXED_SERVERS')
      assert.match(mixed?.message ?? '', /valkey 8\.\d+\.\d+ to redis 7\.0/)
    })

    it('refuses a reshard from Valkey to Redis 7.0 before any slot opens or key moves', async (t) => {
      const [redis, valkey] = cluster.masters
      const before = {keys: await checksum(cluster.masters), slots: await ownSlots(cluster)}
      const result = await runCli(
        [
          'reshard',
          cluster.seed,
          '--from',
          valkey!.address,
          '--to',
          redis!.address,
          '--slots',
          '50',
          '--yes',
          '--json',
        ],
        {cwd: scratchDir(t)},
      )
      assert.equal(result.status, 1, result.stdout)
      const {error} = jsonOf<{error: {code: string; message: string}}>(result)
      assert.equal(error.code, 'PAYLOAD_INCOMPATIBLE')
      assert.match(error.message, /redis 7\.0\.\d+\).*cannot read the keys of .*valkey 8/)
      assert.deepEqual({keys: await checksum(cluster.masters), slots: await ownSlots(cluster)}, before)
    })

    it('moves keys from Redis 7.0 to Valkey with every key and value intact', async (t) => {
      const [redis, valkey] = cluster.masters
      const before = await checksum(cluster.masters)
      const result = await runCli(
        [
          'reshard',
          cluster.seed,
          '--from',
          redis!.address,
          '--to',
          valkey!.address,
          '--slots',
          '500',
          '--yes',
          '--json',
        ],
        {cwd: scratchDir(t)},
      )
      assert.equal(result.status, 0, result.stderr)
      assert.ok(jsonOf<{keysMoved: number}>(result).keysMoved > 0)
      assert.deepEqual(await checksum(cluster.masters), before)
      const verdict = await runCli(['check', cluster.seed, '--json'])
      assert.equal(jsonOf<{healthy: boolean}>(verdict).healthy, true)
    })
  },
)
