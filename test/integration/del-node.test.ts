/**
 * `slotctl del-node` per engine on a password-protected cluster: a slot owner is refused, a live node is
 * forgotten everywhere and reset (its replica following another master), and a killed node is forgotten by
 * every member and stays forgotten after gossip has run.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {type CliResult, jsonOf, runCli} from '../helpers/cli.js'
import {
  clusterNodesOf,
  engines,
  judge,
  lacking,
  runRedisCli,
  type TestClusterOf,
  type TestNode,
  withClient,
} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, sleep, waitFor} from '../helpers/servers.js'

const PASSWORD = 'del-node-pw-1234'
const auth = ['--password', PASSWORD]

type DelJson = {dead: boolean; id: string; node: string; repointed: Array<{address: string; master: string}>}
const errorOf = (result: CliResult) =>
  jsonOf<{error: {code: string; message: string; suggestions: string[]}}>(result).error

const idOf = (node: TestNode) => withClient(node, async (client) => String(await client.call('CLUSTER', 'MYID')))

for (const engine of engines) {
  describe(`del-node on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    const extra: TestNode[] = []
    before(async () => {
      if (redisServerAvailable()) cluster = await engine.startCluster({masters: 3, password: PASSWORD})
    })
    after(async () => {
      await Promise.all([cluster?.close(), ...extra.map((node) => node.stop())])
    })

    /** A new empty node, joined with a raw CLUSTER MEET (not with slotctl), known to every member. */
    async function joined(): Promise<TestNode> {
      const node = await engine.startNode({password: PASSWORD})
      extra.push(node)
      const seed = cluster!.masters[0]!
      await withClient(node, (client) => client.call('CLUSTER', 'MEET', seed.host, String(seed.port)))
      const id = await idOf(node)
      await waitFor('every member to know the new node', async () => {
        const views = await Promise.all(cluster!.masters.map((master) => clusterNodesOf(master)))
        return views.every((view) =>
          parseClusterNodes(view).some((line) => line.id === id && !line.flags.includes('handshake')),
        )
      })
      return node
    }

    const listedBy = async (id: string) => {
      const members = cluster!.masters
      const views = await Promise.all(members.map((node) => clusterNodesOf(node)))
      return members.filter((_, i) => parseClusterNodes(views[i]!).some((line) => line.id === id)).map((n) => n.address)
    }

    it('refuses a master that holds slots with exit 1, suggesting rebalance --weight NODE=0', async (t) => {
      if (!requireRedisServer(t)) return
      const id = await idOf(cluster!.masters[1]!)
      const result = await runCli(['del-node', cluster!.seed, id.slice(0, 8), ...auth, '--json'])
      assert.equal(result.status, 1, result.stderr)
      assert.equal(errorOf(result).code, 'NODE_HAS_SLOTS')
      assert.match(errorOf(result).suggestions[0]!, new RegExp(`rebalance .* --weight ${id.slice(0, 8)}=0`))
      assert.equal((await listedBy(id)).length, 3, 'still a member everywhere')
    })

    it('removes a live node: forgotten by every member, reset, exit 0', async (t) => {
      if (!requireRedisServer(t)) return
      const node = await joined()
      const id = await idOf(node)
      const dry = await runCli(['del-node', cluster!.seed, node.address, ...auth, '--dry-run', '--json'])
      assert.equal(dry.status, 0, dry.stderr)
      assert.deepEqual([jsonOf<{dryRun: boolean}>(dry).dryRun, jsonOf<DelJson>(dry).id], [true, id])
      assert.equal((await listedBy(id)).length, 3, 'the dry run forgot nothing')
      const result = await runCli(['del-node', cluster!.seed, node.address, ...auth, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<DelJson>(result)
      assert.deepEqual([json.id, json.dead, json.node], [id, false, 'reset'])
      assert.deepEqual(await listedBy(id), [])
      assert.equal(parseClusterNodes(await clusterNodesOf(node)).length, 1, 'the reset node knows only itself')
      const verdict = await judge(cluster!.seed, PASSWORD)
      assert.equal(verdict.status, 0, verdict.output)
    })

    const noReplicas = lacking(engine, 'replicas')
    it('re-points the replicas of a removed node to another master', {todo: noReplicas}, async (t) => {
      if (noReplicas || !requireRedisServer(t)) return
      const master = await joined()
      const replica = await joined()
      const masterId = await idOf(master)
      await withClient(replica, (client) => client.call('CLUSTER', 'REPLICATE', masterId))
      const result = await runCli([
        'del-node',
        cluster!.seed,
        masterId.slice(0, 12),
        '--then',
        'shutdown',
        ...auth,
        '--json',
      ])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<DelJson>(result)
      assert.equal(json.node, 'shutdown')
      assert.deepEqual(
        json.repointed.map((r) => r.address),
        [replica.address],
      )
      const view = parseClusterNodes(await clusterNodesOf(replica))
      const self = view.find((line) => line.flags.includes('myself'))!
      assert.ok(
        view.some((line) => line.id === self.masterId && line.slots.length > 0),
        'follows a master with slots',
      )
      const ping = await runRedisCli(['-h', master.host, '-p', String(master.port), 'PING'])
      assert.match(ping.output, /Connection refused/, 'the removed node was shut down')
      assert.deepEqual(await listedBy(masterId), [])
    })

    it('removes a killed node: every member forgets it, and gossip does not bring it back', async (t) => {
      if (!requireRedisServer(t)) return
      const node = await joined()
      const id = await idOf(node)
      await node.kill()
      const result = await runCli(['del-node', cluster!.seed, id.slice(0, 10), ...auth, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<DelJson>(result)
      assert.deepEqual([json.dead, json.node], [true, 'gone'])
      assert.deepEqual(await listedBy(id), [])
      await sleep(3000)
      assert.deepEqual(await listedBy(id), [], 'still forgotten after more gossip')
      const again = await runCli(['del-node', cluster!.seed, id, ...auth, '--json'])
      assert.equal(again.status, 0, again.stderr)
      assert.equal(jsonOf<{alreadyRemoved: boolean}>(again).alreadyRemoved, true)
      const verdict = await judge(cluster!.seed, PASSWORD)
      assert.equal(verdict.status, 0, verdict.output)
    })
  })
}
