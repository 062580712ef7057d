/**
 * Clusters of real redis-server nodes, built with raw CLUSTER commands (not with slotctl, so that tests of
 * slotctl do not depend on the code under test to set up their cluster).
 */
import type {Redis} from 'ioredis'

import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {RedisServer, type ServerOptions, startRedisServer, waitFor} from './servers.js'

export type ClusterOptions = ServerOptions & {
  /** Hosts to spread the nodes over, round-robin (127.0.0.1, 127.0.0.2, ...). */
  hosts?: string[]
  masters?: number
  replicas?: number
}

/** How long building a test cluster may take before the test fails. */
const SETUP_TIMEOUT_MS = 60_000

export class TestCluster {
  constructor(
    readonly masters: RedisServer[],
    readonly replicas: RedisServer[],
    private readonly password: string | undefined,
  ) {}

  get nodes(): RedisServer[] {
    return [...this.masters, ...this.replicas]
  }

  get seed(): string {
    return this.masters[0]!.address
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()))
  }

  /** Runs `fn` with a client on `node`, and closes it. */
  async with<T>(node: RedisServer, fn: (client: Redis) => Promise<T>): Promise<T> {
    const client = node.client(this.password)
    try {
      return await fn(client)
    } finally {
      client.disconnect()
    }
  }

  async nodeId(node: RedisServer): Promise<string> {
    return this.with(node, async (client) => String(await client.call('CLUSTER', 'MYID')))
  }

  /** The replica of master `index`, found from the master's own view. */
  async replicaOf(index: number): Promise<RedisServer> {
    const master = this.masters[index]!
    const id = await this.nodeId(master)
    const view = parseClusterNodes(String(await this.with(master, (c) => c.call('CLUSTER', 'NODES'))))
    const line = view.find((l) => l.masterId === id)!
    return this.replicas.find((node) => node.port === line.port)!
  }

  /** Waits until every live node reports cluster_state:ok and knows `expectedNodes` nodes. */
  async waitHealthy(expectedNodes = this.nodes.filter((node) => node.process).length): Promise<void> {
    const live = this.nodes.filter((node) => node.process)
    // Setting up, not under test: a loaded CI machine gets the time it needs (a healthy run waits a second or two).
    await waitFor(
      'cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(live.map((node) => this.with(node, (c) => c.call('CLUSTER', 'INFO'))))
        return infos.every((info) => {
          const text = String(info)
          return text.includes('cluster_state:ok') && text.includes(`cluster_known_nodes:${expectedNodes}`)
        })
      },
      SETUP_TIMEOUT_MS,
    )
  }
}

/** Even contiguous split of the 16384 slots over `masters` nodes. */
export function evenRanges(masters: number): Array<[number, number]> {
  return Array.from({length: masters}, (_, i) => [
    Math.floor((i * 16_384) / masters),
    Math.floor(((i + 1) * 16_384) / masters) - 1,
  ])
}

/** Starts nodes and joins them into a cluster: ADDSLOTSRANGE, distinct epochs, MEET, REPLICATE, then waits. */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const masterCount = options.masters ?? 3
  const replicasEach = options.replicas ?? 0
  const hosts = options.hosts ?? ['127.0.0.1']
  const total = masterCount * (1 + replicasEach)
  const servers = await Promise.all(
    Array.from({length: total}, (_, i) => startRedisServer({...options, host: hosts[i % hosts.length]!})),
  )
  const masters = servers.slice(0, masterCount)
  // Nodes take the hosts round-robin in start order: masters first, then replicas.
  const replicas = servers.slice(masterCount)
  const cluster = new TestCluster(masters, replicas, options.password)
  try {
    await joinCluster(cluster, replicasEach)
  } catch (error) {
    await cluster.close()
    throw error
  }

  return cluster
}

/** Joins started nodes into a cluster (masters first, then `replicasEach` replicas per master, in order). */
export async function joinCluster(cluster: TestCluster, replicasEach: number): Promise<void> {
  const ranges = evenRanges(cluster.masters.length)
  await Promise.all(
    cluster.masters.map((node, i) =>
      cluster.with(node, async (client) => {
        await client.call('CLUSTER', 'ADDSLOTSRANGE', ...ranges[i]!)
        await client.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1)
      }),
    ),
  )
  const first = cluster.masters[0]!
  await Promise.all(
    cluster.nodes.slice(1).map((node) => cluster.with(node, (c) => c.call('CLUSTER', 'MEET', first.host, first.port))),
  )
  await cluster.waitHealthy()
  const masterIds = await Promise.all(cluster.masters.map((node) => cluster.nodeId(node)))
  await Promise.all(
    cluster.replicas.map((node, j) =>
      cluster.with(node, (c) => c.call('CLUSTER', 'REPLICATE', masterIds[Math.floor(j / replicasEach)]!)),
    ),
  )
  await waitFor('every replica to be seen as a replica on every node', async () => {
    const views = await Promise.all(cluster.nodes.map((node) => cluster.with(node, (c) => c.call('CLUSTER', 'NODES'))))
    return views.every((view) => (String(view).match(/slave/g) ?? []).length === cluster.replicas.length)
  })
  // A replica that never finished its first sync refuses to fail over (its data counts as too old).
  await waitFor('every replica to finish its first sync', async () => {
    const infos = await Promise.all(cluster.replicas.map((node) => cluster.with(node, (c) => c.info('replication'))))
    return infos.every((info) => info.includes('master_link_status:up'))
  })
  await cluster.waitHealthy()
}
