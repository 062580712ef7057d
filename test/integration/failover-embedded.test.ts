/**
 * `slotctl failover` on an embedded 3+3 cluster with no redis-server running the nodes (each node a daemon process
 * of its own, so a kill is a crash): a coordinated failover, then --force with the master dead, then --takeover
 * with most masters dead (replicas kept from promoting themselves with cluster-replica-no-failover). redis-cli
 * --cluster check judges the result where the cluster is whole.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {type CliResult, jsonOf, runCli} from '../helpers/cli.js'
import type {TestCluster} from '../helpers/cluster.js'
import {startEmbeddedCluster} from '../helpers/embedded-cluster.js'
import {redisServerAvailable, referenceCheck, requireRedisServer} from '../helpers/servers.js'

type FailoverJson = {newMaster: string; oldMaster: string}
const errorOf = (result: CliResult) => jsonOf<{error: {code: string}}>(result).error

describe('failover on embedded nodes', {skip: !redisServerAvailable() && !process.env.CI}, () => {
  let cluster: TestCluster | undefined
  /** The replica promoted by --force. */
  let forcedReplica: TestCluster['nodes'][number] | undefined
  before(async () => {
    cluster = await startEmbeddedCluster({masters: 3, nodeTimeoutMs: 2000, replicas: 1})
  })
  after(() => cluster?.close())

  /** cluster-replica-no-failover: when its master dies, the promotion must be slotctl's. */
  const keepFromPromotingItself = (replica: TestCluster['nodes'][number]) =>
    cluster!.with(replica, (c) => c.call('CONFIG', 'SET', 'cluster-replica-no-failover', 'yes'))

  const roleIn = async (viewer: TestCluster['nodes'][number], port: number) => {
    const view = parseClusterNodes(String(await cluster!.with(viewer, (c) => c.call('CLUSTER', 'NODES'))))
    return view.find((line) => line.port === port)?.role
  }

  it('swaps the roles, every node sees it when the command returns, and redis-cli check agrees', async (t) => {
    if (!requireRedisServer(t)) return
    const replica = await cluster!.replicaOf(0)
    const result = await runCli(['failover', replica.address, '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(jsonOf<FailoverJson>(result).newMaster, replica.address)
    for (const node of cluster!.nodes) {
      assert.equal(await roleIn(node, replica.port), 'master', `${node.address} sees the new master`)
      assert.equal(await roleIn(node, cluster!.masters[0]!.port), 'replica', `${node.address} sees the old master`)
    }

    const verdict = referenceCheck(cluster!.seed)
    assert.equal(verdict.status, 0, verdict.output)
  })

  it('with the master dead: refuses a coordinated failover (exit 2), and --force promotes the replica', async (t) => {
    if (!requireRedisServer(t)) return
    const replica = await cluster!.replicaOf(1)
    forcedReplica = replica
    await keepFromPromotingItself(replica)
    cluster!.masters[1]!.kill()
    const refused = await runCli(['failover', replica.address, '--json'])
    assert.equal(refused.status, 2, refused.stderr)
    assert.equal(errorOf(refused).code, 'MASTER_DOWN')
    const forced = await runCli(['failover', replica.address, '--force', '--json'])
    assert.equal(forced.status, 0, forced.stderr)
    assert.equal(jsonOf<FailoverJson>(forced).newMaster, replica.address)
    for (const node of cluster!.nodes.filter((n) => n.process)) {
      assert.equal(await roleIn(node, replica.port), 'master', `${node.address} sees the new master`)
    }
  })

  it('with most masters dead: --takeover promotes the replica without a vote', async (t) => {
    if (!requireRedisServer(t)) return
    const replica = await cluster!.replicaOf(2)
    await keepFromPromotingItself(replica)
    // Two of the three slot-serving masters gone: no election can win any more.
    cluster!.masters[2]!.kill()
    forcedReplica!.kill()
    const result = await runCli(['failover', replica.address, '--takeover', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.equal(jsonOf<FailoverJson>(result).newMaster, replica.address)
    assert.equal(await roleIn(replica, replica.port), 'master')
  })
})
