/**
 * A 3+3 embedded cluster from `redis-cli --cluster create --cluster-replicas 1`: every node sees the same
 * roles through gossip, replicas redirect to their master, and a restarted node keeps its identity.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Redis} from 'ioredis'

import {startEmbeddedNode} from '../../../src/embedded/index.js'
import {requireRedisServer, waitFor} from '../../helpers/servers.js'
import {createCluster, redisCli, referenceCheck, startNodes, type StartedNode} from './embedded-nodes.js'

async function call(node: StartedNode, ...args: string[]): Promise<string> {
  return (await redisCli(['-p', String(node.port), ...args])).output
}

test('replicas join, gossip their role everywhere and redirect keyed commands to their master', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 6)
  await createCluster(nodes, 1)
  const check = await referenceCheck(nodes[0]!.address)
  assert.equal(check.status, 0, check.output)
  assert.match(check.output, /1 additional replica\(s\)/)

  for (const node of nodes) {
    const lines = (await call(node, 'CLUSTER', 'NODES')).trim().split('\n')
    assert.equal(lines.filter((line) => / (myself,)?slave [0-9a-f]{40} /.test(line)).length, 3, lines.join('\n'))
  }

  const replicaLine = (await call(nodes[0]!, 'CLUSTER', 'NODES')).split('\n').find((line) => line.includes('slave'))!
  const [replicaId, replicaAddress, , masterId] = replicaLine.split(' ')
  const replica = nodes.find((node) => node.id === replicaId)!
  const master = nodes.find((node) => node.id === masterId)!
  assert.equal(replicaAddress?.split('@')[0], replica.address)

  assert.match(await call(replica, 'INFO', 'replication'), /role:slave\r?\n/)
  assert.match(await call(master, 'INFO', 'replication'), /connected_slaves:1\r?\n/)
  const slots = await call(master, 'CLUSTER', 'SLOTS')
  assert.ok(slots.includes(String(replica.port)), slots)
  const shards = await call(replica, 'CLUSTER', 'SHARDS')
  assert.match(shards, /replica/)

  const slotOwnedByMaster = (await call(master, 'CLUSTER', 'NODES'))
    .split('\n')
    .find((line) => line.includes('myself'))!
    .split(' ')[8]!
    .split('-')[0]!
  const key = (await call(master, 'CLUSTER', 'GETKEYSINSLOT', slotOwnedByMaster, '1')).trim()
  assert.equal(key, '')
  const client = new Redis({host: replica.host, lazyConnect: true, port: replica.port})
  t.after(() => client.disconnect())
  await client.connect()
  const keyInSlot = await findKeyInSlot(client, Number(slotOwnedByMaster))
  await assert.rejects(client.set(keyInSlot, 'v'), new RegExp(`MOVED ${slotOwnedByMaster} ${master.address}`))
  await assert.rejects(client.get(keyInSlot), /MOVED/)
  assert.equal(await client.readonly(), 'OK')
  assert.equal(await client.get(keyInSlot), null)
  await assert.rejects(client.set(keyInSlot, 'v'), /MOVED/)

  // Writes on the master reach the replica, which serves them after READONLY.
  const writer = new Redis({host: master.host, lazyConnect: true, port: master.port})
  t.after(() => writer.disconnect())
  await writer.connect()
  await writer.set(keyInSlot, 'replicated', 'PX', 60_000)
  await writer.rpush(`{${keyInSlot}}list`, 'a', 'b')
  // WAIT counts the replicas that acknowledged the writes: once it says 1, the replica serves them.
  assert.equal(await writer.call('WAIT', '1', '0'), 1)
  assert.equal(await client.get(keyInSlot), 'replicated')
  assert.deepEqual(await client.lrange(`{${keyInSlot}}list`, 0, -1), ['a', 'b'])
  assert.ok((await client.pttl(keyInSlot)) > 50_000)
  await writer.del(keyInSlot)
  await waitFor('the delete to reach the replica', async () => (await client.exists(keyInSlot)) === 0)
  assert.match(await call(replica, 'INFO', 'replication'), /master_link_status:up\r?\n/)

  // A manual failover swaps the roles everywhere; the data stays served.
  assert.equal(await client.call('CLUSTER', 'FAILOVER'), 'OK')
  await waitFor('every node to see the failover', async () => {
    const views = await Promise.all(nodes.map((node) => call(node, 'CLUSTER', 'NODES')))
    return views.every(
      (view) => view.includes(`${master.id} ${master.address}@`) && view.includes(`slave ${replica.id}`),
    )
  })
  assert.match(await call(master, 'INFO', 'replication'), /role:slave\r?\n/)
  assert.deepEqual(await client.lrange(`{${keyInSlot}}list`, 0, -1), ['a', 'b'])
  const afterFailover = await referenceCheck(replica.address)
  assert.equal(afterFailover.status, 0, afterFailover.output)
})

/** A key whose hash slot is `slot`, found by asking the node. */
async function findKeyInSlot(client: Redis, slot: number): Promise<string> {
  for (let i = 0; ; i++) if ((await client.cluster('KEYSLOT', `k${i}`)) === slot) return `k${i}`
}

test('a node restarted on the same directory keeps its id, epochs, slots and peers', async (t) => {
  if (!requireRedisServer(t)) return
  const nodes = await startNodes(t, 3)
  await createCluster(nodes)
  const [first] = nodes
  assert.ok(first)
  const before = (await call(first, 'CLUSTER', 'NODES')).split('\n').sort()
  const epoch = /cluster_my_epoch:(\d+)/.exec(await call(first, 'CLUSTER', 'INFO'))?.[1]
  await first.close()

  const restarted = await startEmbeddedNode({dir: first.dir, nodeTimeoutMs: 2000, port: first.port})
  t.after(() => restarted.close())
  assert.equal(restarted.id, first.id)
  await waitFor('the restarted node to reconnect to its peers', async () =>
    (await call(first, 'CLUSTER', 'NODES')).split('\n').every((line) => !line.includes('disconnected')),
  )
  const after = (await call(first, 'CLUSTER', 'NODES')).split('\n').sort()
  const stable = (lines: string[]) =>
    lines.map((line) =>
      line
        .split(' ')
        .filter((_, i) => i !== 4 && i !== 5)
        .join(' '),
    )
  assert.deepEqual(stable(after), stable(before))
  assert.match(await call(first, 'CLUSTER', 'INFO'), new RegExp(`cluster_my_epoch:${epoch}\\r?\\n`))
  const check = await referenceCheck(first.address)
  assert.equal(check.status, 0, check.output)
})
