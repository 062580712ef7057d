/**
 * `slotctl add-node` on a password-protected cluster, per engine: a master that the cluster has fully taken in
 * when the command returns, replicas placed by --master-id or by fewest replicas, re-runs, and refusals.
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
  type TestClusterOf,
  type TestNode,
  withClient,
} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, waitFor} from '../helpers/servers.js'

const PASSWORD = 'add-node-pw-4711'
const auth = ['--password', PASSWORD]

type AddJson = {
  alreadyMember: boolean
  dryRun: boolean
  id: string
  master?: {address: string; id: string}
  role: string
}
const errorOf = (result: CliResult) => jsonOf<{error: {code: string; message: string}}>(result).error

for (const engine of engines) {
  describe(`add-node on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    const spare: TestNode[] = []
    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3, password: PASSWORD})
      for (const host of ['127.0.0.2', '127.0.0.3', '127.0.0.1'])
        spare.push(await engine.startNode({host, password: PASSWORD}))
    })
    after(async () => {
      await Promise.all([cluster?.close(), ...spare.map((node) => node.stop())])
    })

    it('adds a master that every node knows and that reports cluster_state:ok as soon as the command returns', async (t) => {
      if (!requireRedisServer(t)) return
      const [fresh] = spare as [TestNode]
      const dry = await runCli(['add-node', fresh.address, cluster!.seed, ...auth, '--dry-run', '--json'])
      assert.equal(dry.status, 0, dry.stderr)
      assert.deepEqual([jsonOf<AddJson>(dry).dryRun, jsonOf<AddJson>(dry).role], [true, 'master'])
      assert.equal(parseClusterNodes(await clusterNodesOf(fresh)).length, 1, 'the dry run met no one')
      const result = await runCli(['add-node', fresh.address, cluster!.seed, ...auth, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<AddJson>(result)
      assert.equal(json.role, 'master')
      // No waiting here: the command itself must have waited.
      for (const node of [...cluster!.masters, fresh]) {
        assert.ok((await clusterNodesOf(node)).includes(json.id), `${node.address} knows the new node`)
      }

      const info = await withClient(fresh, (client) => client.call('CLUSTER', 'INFO'))
      assert.match(String(info), /cluster_state:ok/)
      const again = await runCli(['add-node', fresh.address, cluster!.seed, ...auth, '--json'])
      assert.equal(again.status, 0, again.stderr)
      assert.equal(jsonOf<AddJson>(again).alreadyMember, true)
      const verdict = await judge(cluster!.seed, PASSWORD)
      assert.equal(verdict.status, 0, verdict.output)
    })

    const noReplicas = lacking(engine, 'replicas')
    it(
      'adds replicas: of --master-id (a prefix), then of the master with fewest replicas',
      {todo: noReplicas},
      async (t) => {
        if (noReplicas || !requireRedisServer(t)) return
        const [, first, second] = spare as [TestNode, TestNode, TestNode]
        const target = parseClusterNodes(await clusterNodesOf(cluster!.masters[1]!)).find((line) =>
          line.flags.includes('myself'),
        )!
        const chosen = await runCli([
          'add-node',
          first.address,
          cluster!.seed,
          '--replica',
          '--master-id',
          target.id.slice(0, 10),
          ...auth,
          '--json',
        ])
        assert.equal(chosen.status, 0, chosen.stderr)
        assert.equal(jsonOf<AddJson>(chosen).master?.id, target.id)
        const automatic = await runCli(['add-node', second.address, cluster!.seed, '--replica', ...auth, '--json'])
        assert.equal(automatic.status, 0, automatic.stderr)
        const picked = jsonOf<AddJson>(automatic).master!
        assert.notEqual(picked.id, target.id, 'not the master that already has a replica')
        const view = parseClusterNodes(await clusterNodesOf(cluster!.masters[0]!))
        assert.ok(view.find((line) => line.id === picked.id)!.slots.length > 0, 'a master that holds slots')
        for (const node of cluster!.masters) {
          const seen = parseClusterNodes(await clusterNodesOf(node))
          assert.equal(seen.filter((line) => line.role === 'replica').length, 2, `${node.address} sees both replicas`)
        }

        const verdict = await judge(cluster!.seed, PASSWORD)
        assert.equal(verdict.status, 0, verdict.output)
      },
    )

    it('refuses a node that holds keys (exit 1) and an unknown --master-id (exit 2), changing nothing', async (t) => {
      if (!requireRedisServer(t)) return
      const busy = await engine.startNode({password: PASSWORD})
      try {
        await withClient(busy, async (client) => {
          // A lone node that owns every slot serves writes, like a node left over from another cluster.
          await client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
          await waitFor('the lone node to serve', async () =>
            /cluster_state:ok/.test(String(await client.call('CLUSTER', 'INFO'))),
          )
          await client.set('left-over', '1')
        })
        const full = await runCli(['add-node', busy.address, cluster!.seed, ...auth, '--json'])
        assert.equal(full.status, 1, full.stderr)
        assert.equal(errorOf(full).code, 'NODE_NOT_EMPTY')
        assert.match(errorOf(full).message, /holds 1 keys, owns slots/)
        const unknown = await runCli([
          'add-node',
          busy.address,
          cluster!.seed,
          '--replica',
          '--master-id',
          'ffffffff',
          ...auth,
        ])
        assert.equal(unknown.status, 2, unknown.stderr)
        assert.match(unknown.stderr, /--master-id ffffffff is not a node of this cluster/)
        const lone = await runCli(['add-node', busy.address, cluster!.seed, '--master-id', 'ffffffff', ...auth])
        assert.equal(lone.status, 2)
        assert.match(lone.stderr, /--replica/)
        assert.equal(parseClusterNodes(await clusterNodesOf(busy)).length, 1, 'the node still knows nobody')
      } finally {
        await busy.stop()
      }
    })
  })
}
