/**
 * Captures CLUSTER NODES / CLUSTER INFO / INFO from real redis-server nodes in the states the checks
 * must recognise, into fixtures/cluster/<state>.json. Run: node --import tsx scripts/capture-nodes-fixtures.mts
 */
import {mkdirSync, writeFileSync} from 'node:fs'

import {evenRanges, startCluster, TestCluster} from '../test/helpers/cluster.js'
import {sleep, startRedisServer, waitFor} from '../test/helpers/servers.js'

type Capture = {address: string; clusterInfo: string; clusterNodes: string; info: string}

async function capture(cluster: TestCluster): Promise<Capture[]> {
  const live = cluster.nodes.filter((node) => node.process)
  return Promise.all(
    live.map((node) =>
      cluster.with(node, async (client) => ({
        address: node.address,
        clusterInfo: String(await client.call('CLUSTER', 'INFO')),
        clusterNodes: String(await client.call('CLUSTER', 'NODES')),
        info: [await client.info('keyspace'), await client.info('memory'), await client.info('replication')].join('\n'),
      })),
    ),
  )
}

function save(state: string, description: string, nodes: Capture[], seed: string): void {
  mkdirSync('fixtures/cluster', {recursive: true})
  writeFileSync(`fixtures/cluster/${state}.json`, `${JSON.stringify({description, nodes, seed}, null, 2)}\n`)
  console.log(`fixtures/cluster/${state}.json`)
}

async function scenario(
  state: string,
  description: string,
  options: Parameters<typeof startCluster>[0],
  act: (cluster: TestCluster) => Promise<void>,
): Promise<void> {
  const only = process.argv[2]
  if (only && only !== state) return
  const cluster = await startCluster(options)
  try {
    await act(cluster)
    save(state, description, await capture(cluster), cluster.seed)
  } finally {
    await cluster.close()
  }
}

await scenario('healthy-3x1', 'a healthy 3 masters + 3 replicas cluster', {replicas: 1}, async () => {})

await scenario(
  'migrating-only',
  'slot 100 left MIGRATING on its owner, no importing side',
  {replicas: 0},
  async (c) => {
    const target = await c.nodeId(c.masters[1]!)
    await c.with(c.masters[0]!, (client) => client.call('CLUSTER', 'SETSLOT', 100, 'MIGRATING', target))
  },
)

await scenario('importing-only', 'slot 100 left IMPORTING on a non-owner only', {replicas: 0}, async (c) => {
  const source = await c.nodeId(c.masters[0]!)
  await c.with(c.masters[1]!, (client) => client.call('CLUSTER', 'SETSLOT', 100, 'IMPORTING', source))
})

await scenario('half-moved', 'slot 100 MIGRATING on its owner, IMPORTING on the target', {replicas: 1}, async (c) => {
  const [source, target] = await Promise.all([c.nodeId(c.masters[0]!), c.nodeId(c.masters[1]!)])
  await c.with(c.masters[1]!, (client) => client.call('CLUSTER', 'SETSLOT', 100, 'IMPORTING', source))
  await c.with(c.masters[0]!, (client) => client.call('CLUSTER', 'SETSLOT', 100, 'MIGRATING', target))
})

await scenario('uncovered', 'slots 0-9 deleted from their owner', {replicas: 0}, async (c) => {
  await c.with(c.masters[0]!, (client) => client.call('CLUSTER', 'DELSLOTSRANGE', 0, 9))
  await sleep(500)
})

await scenario('failover-done', 'a master killed; its replica took over', {replicas: 1}, async (c) => {
  const killedId = await c.nodeId(c.masters[0]!)
  c.masters[0]!.kill()
  await waitFor(
    'failover',
    async () => {
      const lines = String(await c.with(c.masters[1]!, (client) => client.call('CLUSTER', 'NODES'))).split('\n')
      const killed = lines.find((line) => line.startsWith(killedId))
      const successor = lines.find((line) => / 0-5460$/.test(line) && !line.startsWith(killedId))
      if (process.env.DEBUG_CAPTURE) console.log(lines.join('\n'))
      return Boolean(killed?.includes('fail') && successor)
    },
    30_000,
  )
  await sleep(500)
})

await scenario('master-down', 'a master without replica killed: FAIL and uncovered slots', {replicas: 0}, async (c) => {
  c.masters[2]!.kill()
  await waitFor(
    'fail flag',
    async () => {
      const nodes = String(await c.with(c.masters[0]!, (client) => client.call('CLUSTER', 'NODES')))
      return /master,fail /.test(nodes)
    },
    30_000,
  )
})

await scenario(
  'replica-same-host',
  'nodes on 127.0.0.1 and 127.0.0.2 with every replica on its master host',
  {hosts: ['127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.1'], replicas: 1},
  async () => {},
)

/** Masters joined without distinct config epochs: captured right after MEET, before Redis resolves the collision. */
async function captureEpochCollision(): Promise<void> {
  if (process.argv[2] && process.argv[2] !== 'epoch-collision') return
  const nodes = await Promise.all([0, 1, 2].map(() => startRedisServer()))
  const cluster = new TestCluster(nodes, [], undefined)
  try {
    const ranges = evenRanges(3)
    await Promise.all(
      nodes.map((node, i) => cluster.with(node, (c) => c.call('CLUSTER', 'ADDSLOTSRANGE', ...ranges[i]!))),
    )
    await Promise.all(
      nodes.slice(1).map((node) => cluster.with(node, (c) => c.call('CLUSTER', 'MEET', node.host, nodes[0]!.port))),
    )
    for (let attempt = 0; attempt < 200; attempt++) {
      const captured = await capture(cluster)
      const epochs = captured.map((node) => /myself,master - \d+ \d+ (\d+)/.exec(node.clusterNodes)?.[1])
      if (new Set(epochs).size < epochs.length && captured.every((node) => node.clusterNodes.split('\n').length > 2)) {
        save('epoch-collision', 'three masters sharing config epoch 0 right after MEET', captured, nodes[0]!.address)
        return
      }
    }

    throw new Error('the collision was resolved before it could be captured')
  } finally {
    await cluster.close()
  }
}

await captureEpochCollision()

/** IPv6 addresses and announced hostnames; one MEET to a closed port leaves a handshake entry. */
async function captureAddressForms(): Promise<void> {
  if (process.argv[2] && process.argv[2] !== 'address-forms') return
  const nodes = await Promise.all(
    [0, 1, 2].map((i) => startRedisServer({config: {'cluster-announce-hostname': `node-${i}.example`}, host: '::1'})),
  )
  const cluster = new TestCluster(nodes, [], undefined)
  try {
    const ranges = evenRanges(3)
    await Promise.all(
      nodes.map((node, i) =>
        cluster.with(node, async (c) => {
          await c.call('CLUSTER', 'ADDSLOTSRANGE', ...ranges[i]!)
          await c.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1)
        }),
      ),
    )
    await Promise.all(
      nodes.slice(1).map((node) => cluster.with(node, (c) => c.call('CLUSTER', 'MEET', '::1', nodes[0]!.port))),
    )
    await cluster.waitHealthy(3)
    await cluster.with(nodes[0]!, (c) => c.call('CLUSTER', 'MEET', '::1', 1))
    save(
      'address-forms',
      'IPv6 nodes announcing hostnames, plus a handshake with a closed port',
      await capture(cluster),
      nodes[0]!.address,
    )
  } finally {
    await cluster.close()
  }
}

await captureAddressForms()
