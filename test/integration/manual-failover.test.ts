/**
 * CLUSTER FAILOVER (the default form) under load loses no acknowledged write: the master pauses its writes, its
 * replica catches up to the paused offset and only then takes over. Counters incremented through ioredis' Cluster
 * client all the while must end at least at the count of acknowledged increments. Same test on both engines.
 */
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {Cluster, Redis} from 'ioredis'

import {startCluster} from '../helpers/cluster.js'
import {
  embeddedEnabled,
  redisServerAvailable,
  requireRedisServer,
  SERVER_NAME,
  sleep,
  waitFor,
} from '../helpers/servers.js'
import {createCluster, startNodes} from './embedded/embedded-nodes.js'

type Engine = {name: string; start(t: Parameters<typeof startNodes>[0]): Promise<{ports: number[]}>}

const ENGINES: Engine[] = [
  {
    name: 'embedded',
    async start(t) {
      const nodes = await startNodes(t, 6, {nodeTimeoutMs: 2000})
      await createCluster(nodes, 1)
      return {ports: nodes.map((node) => node.port)}
    },
  },
  {
    name: SERVER_NAME,
    async start(t) {
      const cluster = await startCluster({masters: 3, replicas: 1})
      t.after(() => cluster.close())
      return {ports: cluster.nodes.map((node) => node.port)}
    },
  },
]

const COUNTERS = 60
const WORKERS = 8

/** Increments random counters until stopped; counts what was acknowledged and what failed, per counter. */
function incrementer(client: Cluster): {stop(): Promise<void>; acked: number[]; failed: number[]} {
  const acked = Array.from({length: COUNTERS}, () => 0)
  const failed = Array.from({length: COUNTERS}, () => 0)
  let running = true
  const workers = Array.from({length: WORKERS}, async () => {
    while (running) {
      const i = Math.floor(Math.random() * COUNTERS)
      try {
        // eslint-disable-next-line no-await-in-loop
        await client.incr(`counter:${i}`)
        acked[i]!++
      } catch {
        failed[i]!++
      }
    }
  })
  return {
    acked,
    failed,
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

async function nodesOf(port: number): Promise<string[]> {
  const client = new Redis({lazyConnect: true, port})
  try {
    await client.connect()
    return String(await client.call('CLUSTER', 'NODES'))
      .trim()
      .split('\n')
  } finally {
    client.disconnect()
  }
}

for (const engine of ENGINES.filter((e) => e.name !== 'embedded' || embeddedEnabled())) {
  describe(`manual failover under load (${engine.name})`, {skip: !redisServerAvailable() && !process.env.CI}, () => {
    const clients: Array<Cluster | Redis> = []
    after(() => clients.forEach((client) => client.disconnect()))

    it('CLUSTER FAILOVER while counters are incremented loses no acknowledged increment', async (t) => {
      if (!requireRedisServer(t)) return
      const {ports} = await engine.start(t)
      const seed = ports[0]!
      const lines = await nodesOf(seed)
      const masterLine = lines.find((line) => / (myself,)?master .* 0-\d+/.test(line))!
      const masterId = masterLine.split(' ')[0]!
      const replicaLine = lines.find((line) => line.split(' ')[3] === masterId)!
      const [replicaId, replicaAddress] = replicaLine.split(' ')
      const replicaPort = Number(replicaAddress!.split('@')[0]!.split(':')[1])
      const client = new Cluster([{host: '127.0.0.1', port: seed}], {scaleReads: 'master'})
      clients.push(client)
      await Promise.all(Array.from({length: COUNTERS}, (_, i) => client.del(`counter:${i}`)))

      const load = incrementer(client)
      await sleep(500)
      const replica = new Redis({lazyConnect: true, port: replicaPort})
      clients.push(replica)
      await replica.connect()
      assert.equal(await replica.call('CLUSTER', 'FAILOVER'), 'OK')
      await waitFor('the replica to be master on every node', async () => {
        const views = await Promise.all(ports.map((port) => nodesOf(port)))
        return views.every((view) =>
          view.some((line) => line.startsWith(`${replicaId} `) && / (myself,)?master /.test(line)),
        )
      })
      await sleep(500)
      await load.stop()

      const values = await Promise.all(Array.from({length: COUNTERS}, (_, i) => client.get(`counter:${i}`)))
      const total = (counts: number[]) => counts.reduce((sum, n) => sum + n, 0)
      t.diagnostic(`${total(load.acked)} increments acknowledged, ${total(load.failed)} failed`)
      assert.ok(total(load.acked) > 0)
      for (const [i, value] of values.entries()) {
        const count = Number(value ?? 0)
        // An increment that failed on the client side may still have been applied, never the reverse.
        assert.ok(count >= load.acked[i]!, `counter:${i} is ${count}, ${load.acked[i]} increments were acknowledged`)
        assert.ok(count <= load.acked[i]! + load.failed[i]!, `counter:${i} is ${count}, more than was sent`)
      }
    })
  })
}
