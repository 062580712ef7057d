/**
 * `slotctl failover` on a password-protected 3+3 redis-server cluster: a coordinated failover whose swap every
 * node already sees when the command returns, a master named by mistake, and --force with the master dead.
 * The embedded engine has no replication, so it has no failover to test.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {type CliResult, jsonOf, runCli} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {engines, judge, lacking} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, SERVER_NAME} from '../helpers/servers.js'

const PASSWORD = 'failover-pw-777'
const auth = ['-a', PASSWORD]

type FailoverJson = {
  after: Array<{address: string; role: string}>
  before: Array<{address: string; role: string}>
  newMaster: string
  oldMaster: string
}
const errorOf = (result: CliResult) => jsonOf<{error: {code: string; message: string}}>(result).error

describe(`failover on ${SERVER_NAME}`, () => {
  let cluster: TestCluster | undefined
  before(async () => {
    if (redisServerAvailable()) cluster = await startCluster({masters: 3, password: PASSWORD, replicas: 1})
  })
  after(() => cluster?.close())

  const roleIn = async (viewer: (typeof cluster & {})['nodes'][number], port: number) => {
    const view = parseClusterNodes(String(await cluster!.with(viewer, (c) => c.call('CLUSTER', 'NODES'))))
    return view.find((line) => line.port === port)?.role
  }

  it('refuses a master with exit 2, naming its replica', async (t) => {
    if (!requireRedisServer(t)) return
    const result = await runCli(['failover', cluster!.masters[0]!.address, ...auth, '--json'])
    assert.equal(result.status, 2, result.stderr)
    assert.equal(errorOf(result).code, 'NOT_A_REPLICA')
  })

  it('swaps the roles and every node sees it when the command returns', async (t) => {
    if (!requireRedisServer(t)) return
    const replica = await cluster!.replicaOf(0)
    const dry = await runCli(['failover', replica.address, ...auth, '--dry-run', '--json'])
    assert.equal(dry.status, 0, dry.stderr)
    assert.deepEqual(
      [jsonOf<{dryRun: boolean}>(dry).dryRun, jsonOf<FailoverJson>(dry).newMaster],
      [true, replica.address],
    )
    assert.equal(await roleIn(cluster!.masters[0]!, replica.port), 'replica', 'the dry run swapped nothing')
    const result = await runCli(['failover', replica.address, ...auth, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const json = jsonOf<FailoverJson>(result)
    assert.equal(json.newMaster, replica.address)
    assert.equal(json.oldMaster, cluster!.masters[0]!.address)
    assert.equal(json.before.find((node) => node.address === replica.address)?.role, 'replica')
    assert.equal(json.after.find((node) => node.address === replica.address)?.role, 'master')
    for (const node of cluster!.nodes) {
      assert.equal(await roleIn(node, replica.port), 'master', `${node.address} sees the new master`)
      assert.equal(await roleIn(node, cluster!.masters[0]!.port), 'replica', `${node.address} sees the old master`)
    }

    const verdict = await judge(cluster!.seed, PASSWORD)
    assert.equal(verdict.status, 0, verdict.output)
  })

  it('with the master dead: refuses a coordinated failover (exit 2), and --force promotes the replica', async (t) => {
    if (!requireRedisServer(t)) return
    const replica = await cluster!.replicaOf(1)
    // Keep the replica from promoting itself when its master dies: the promotion must be ours.
    await cluster!.with(replica, (c) => c.call('CONFIG', 'SET', 'cluster-replica-no-failover', 'yes'))
    cluster!.masters[1]!.kill()
    const refused = await runCli(['failover', replica.address, ...auth, '--json'])
    assert.equal(refused.status, 2, refused.stderr)
    assert.equal(errorOf(refused).code, 'MASTER_DOWN')
    const forced = await runCli(['failover', replica.address, '--force', ...auth, '--json'])
    assert.equal(forced.status, 0, forced.stderr)
    assert.equal(jsonOf<FailoverJson>(forced).newMaster, replica.address)
    for (const node of cluster!.nodes.filter((n) => n.process)) {
      assert.equal(await roleIn(node, replica.port), 'master', `${node.address} sees the new master`)
    }
  })
})

for (const engine of engines.filter((e) => lacking(e, 'failover'))) {
  it(`failover on ${engine.name}`, {todo: lacking(engine, 'failover')}, () => {})
}
