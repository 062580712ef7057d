/**
 * `slotctl set-timeout` per engine: the new cluster-node-timeout on every node, saved where the node can save
 * it (an embedded node always can; a redis-server started without a config file cannot, and the result says so).
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {jsonOf, runCli} from '../helpers/cli.js'
import {engines, isServerEngine, type TestClusterOf, withClient} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const PASSWORD = 'timeout-pw-2323'
const auth = ['--password', PASSWORD]

type TimeoutJson = {
  failed: number
  nodes: Array<{address: string; persisted: boolean; reason?: string; set: boolean}>
  notPersisted: number
}

for (const engine of engines) {
  describe(`set-timeout on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    before(async () => {
      if (redisServerAvailable()) cluster = await engine.startCluster({masters: 3, password: PASSWORD})
    })
    after(() => cluster?.close())

    const timeouts = () =>
      Promise.all(
        cluster!.masters.map((node) => withClient(node, (c) => c.call('CONFIG', 'GET', 'cluster-node-timeout'))),
      )

    it('refuses less than 100 ms with exit 2, naming the value, and changes nothing', async (t) => {
      if (!requireRedisServer(t)) return
      const before = await timeouts()
      const result = await runCli(['set-timeout', cluster!.seed, '50', ...auth])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /MILLISECONDS 50 is too short/)
      assert.deepEqual(await timeouts(), before)
    })

    it('--dry-run shows the timeout each node has now and changes nothing', async (t) => {
      if (!requireRedisServer(t)) return
      const before = await timeouts()
      const result = await runCli(['set-timeout', cluster!.seed, '4321', ...auth, '--dry-run', '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<{dryRun: boolean; nodes: Array<{current: number}>}>(result)
      assert.equal(json.dryRun, true)
      assert.deepEqual(
        json.nodes.map((node) => ['cluster-node-timeout', String(node.current)]).sort(),
        [...before].sort(),
      )
      assert.deepEqual(await timeouts(), before)
    })

    it('sets it on every node and says per node whether it was saved', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['set-timeout', cluster!.seed, '3210', ...auth, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<TimeoutJson>(result)
      assert.equal(json.failed, 0)
      assert.equal(json.nodes.length, 3)
      for (const reply of await timeouts()) assert.deepEqual(reply, ['cluster-node-timeout', '3210'])
      for (const node of json.nodes) {
        assert.equal(node.set, true)
        if (isServerEngine(engine)) {
          assert.equal(node.persisted, false)
          assert.match(node.reason ?? '', /without a config file/)
        } else {
          assert.equal(node.persisted, true)
        }
      }

      const table = await runCli(['set-timeout', cluster!.seed, '2000', ...auth])
      assert.equal(table.status, 0, table.stderr)
      assert.match(table.stdout, /cluster-node-timeout is 2000 ms on all 3 nodes/)
    })
  })
}
