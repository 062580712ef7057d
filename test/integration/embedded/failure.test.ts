/** Failure detection: a stopped master turns PFAIL, then FAIL by majority, and the cluster goes down; it recovers. */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {startEmbeddedNode} from '../../../src/embedded/index.js'
import {requireRedisServer, waitFor} from '../../helpers/servers.js'
import {createCluster, redisCli, referenceCheck, startNodes, type StartedNode} from './embedded-nodes.js'

async function call(node: StartedNode, ...args: string[]): Promise<string> {
  return (await redisCli(['-p', String(node.port), ...args])).output
}

test('a stopped master is marked failing by the others and the cluster goes down until it returns', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 3, {nodeTimeoutMs: 1000})
  await createCluster(nodes)
  const [first, second, victim] = nodes
  assert.ok(first && second && victim)
  await victim.close()

  for (const node of [first, second]) {
    await waitFor(
      `${node.address} to mark the stopped node as failing`,
      async () => new RegExp(`^${victim.id} \\S+ master,fail `, 'm').test(await call(node, 'CLUSTER', 'NODES')),
      15_000,
    )
  }

  assert.match(await call(first, 'CLUSTER', 'INFO'), /cluster_state:fail\r?\n/)
  assert.match(await call(first, 'GET', 'foo'), /CLUSTERDOWN The cluster is down/)

  const back = await startEmbeddedNode({dir: victim.dir, nodeTimeoutMs: 1000, port: victim.port})
  t.after(() => back.close())
  await waitFor(
    'the cluster to recover',
    async () => /cluster_state:ok/.test(await call(first, 'CLUSTER', 'INFO')),
    15_000,
  )
  assert.doesNotMatch(await call(second, 'CLUSTER', 'NODES'), /fail/)
})

test('a replica takes over its failed master, and the old master rejoins as its replica', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 6, {nodeTimeoutMs: 1000})
  await createCluster(nodes, 1)
  const [first] = nodes
  assert.ok(first)
  const view = await call(first, 'CLUSTER', 'NODES')
  const replicaLine = view.split('\n').find((line) => line.includes(` slave ${first.id} `))
  const replica = nodes.find((node) => replicaLine?.startsWith(node.id))
  assert.ok(replica, view)
  await first.close()

  await waitFor(
    'the replica to take over',
    async () =>
      /cluster_state:ok/.test(await call(replica, 'CLUSTER', 'INFO')) &&
      /role:master/.test(await call(replica, 'INFO', 'replication')),
    15_000,
  ).catch(async () => assert.fail(await call(replica, 'CLUSTER', 'NODES')))

  const back = await startEmbeddedNode({dir: first.dir, nodeTimeoutMs: 1000, port: first.port})
  t.after(() => back.close())
  await waitFor(
    'the old master to follow the new one',
    async () => new RegExp(`myself,slave ${replica.id} `).test(await call(first, 'CLUSTER', 'NODES')),
    15_000,
  )
})

test('with two replicas, one wins the election and the other follows it; the old master comes back as a replica', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 9, {nodeTimeoutMs: 1000})
  await createCluster(nodes, 2)
  const [first, second] = nodes
  assert.ok(first && second)
  const lineOf = (view: string, id: string) => view.split('\n').find((line) => line.startsWith(`${id} `)) ?? ''
  const before = await call(second, 'CLUSTER', 'NODES')
  const replicaIds = before
    .split('\n')
    .filter((line) => line.split(' ')[3] === first.id)
    .map((line) => line.split(' ')[0])
  assert.equal(replicaIds.length, 2, before)
  const epochBefore = Number(/cluster_current_epoch:(\d+)/.exec(await call(second, 'CLUSTER', 'INFO'))?.[1])
  await first.close()

  let winner = ''
  await waitFor('a replica to win the election', async () => {
    const view = await call(second, 'CLUSTER', 'NODES')
    winner = replicaIds.find((id) => / master /.test(lineOf(view, id!))) ?? ''
    return winner !== '' && /cluster_state:ok/.test(await call(second, 'CLUSTER', 'INFO'))
  })
  const loser = replicaIds.find((id) => id !== winner)!
  await waitFor('the other replica to follow the winner everywhere', async () => {
    const views = await Promise.all(nodes.slice(1).map((node) => call(node, 'CLUSTER', 'NODES')))
    return views.every((view) => new RegExp(`[ ,]slave ${winner} `).test(lineOf(view, loser)))
  })
  const info = await call(second, 'CLUSTER', 'INFO')
  assert.ok(Number(/cluster_current_epoch:(\d+)/.exec(info)?.[1]) > epochBefore, 'the election took a new epoch')
  const epochs = (await call(second, 'CLUSTER', 'NODES'))
    .split('\n')
    .filter((line) => / (myself,)?master /.test(line) && !/fail/.test(line))
    .map((line) => line.split(' ')[6])
  assert.equal(new Set(epochs).size, epochs.length, `every master has its own configEpoch: ${epochs.join(' ')}`)
  const check = await referenceCheck(second.address)
  assert.equal(check.status, 0, check.output)

  const back = await startEmbeddedNode({dir: first.dir, nodeTimeoutMs: 1000, port: first.port})
  t.after(() => back.close())
  await waitFor('the old master to follow the winner', async () =>
    new RegExp(`myself,slave ${winner} `).test(await call(first, 'CLUSTER', 'NODES')),
  )
})

test('CLUSTER FAILOVER FORCE needs no FAIL flag, only votes; TAKEOVER needs no votes', async (t) => {
  if (!requireRedisServer(t)) return
  // A node timeout longer than the test: nobody is ever flagged FAIL, so no automatic failover happens.
  const nodes = await startNodes(t, 6, {nodeTimeoutMs: 60_000})
  await createCluster(nodes, 1)
  const view = await call(nodes[0]!, 'CLUSTER', 'NODES')
  const replicaOf = (master: StartedNode) => {
    const line = view.split('\n').find((l) => l.split(' ')[3] === master.id)
    return nodes.find((node) => line?.startsWith(`${node.id} `))!
  }

  const [a, b, c] = nodes
  assert.ok(a && b && c)
  const [replicaA, replicaB] = [replicaOf(a), replicaOf(b)]
  const isMaster = async (node: StartedNode) => /role:master/.test(await call(node, 'INFO', 'replication'))
  await a.close()
  await waitFor('the replica to see its master link down', async () =>
    /master_link_status:down/.test(await call(replicaA, 'INFO', 'replication')),
  )
  assert.match(await call(replicaA, 'CLUSTER', 'FAILOVER'), /Master is down or failed, please use CLUSTER FAILOVER FORCE/)
  assert.match(await call(replicaA, 'CLUSTER', 'FAILOVER', 'FORCE'), /OK/)
  await waitFor('the forced replica to win the vote', () => isMaster(replicaA))
  assert.doesNotMatch(await call(b, 'CLUSTER', 'NODES'), /fail/, 'nobody was flagged FAIL')

  // With two of three masters gone no election can win; TAKEOVER does not hold one.
  await Promise.all([b.close(), c.close()])
  assert.match(await call(replicaB, 'CLUSTER', 'FAILOVER', 'TAKEOVER'), /OK/)
  assert.equal(await isMaster(replicaB), true)
  await waitFor('the surviving master to see the takeover', async () =>
    new RegExp(`^${replicaB.id} \\S+ master `, 'm').test(await call(replicaA, 'CLUSTER', 'NODES')),
  )
})
