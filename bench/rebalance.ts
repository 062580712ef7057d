/**
 * The rebalance case of `npm run bench`: a fresh real 3-master cluster loaded with BENCH_KEYS keys of 64-byte
 * values, then an empty fourth master joined, and `rebalance --use-empty-masters` run by slotctl (defaults)
 * and by `redis-cli --cluster rebalance --cluster-use-empty-masters` (defaults). Each run is checked (every
 * key still there, redis-cli --cluster check clean, every master within 2% of its share) and timed from
 * process start to exit; keys/s counts the keys the new master holds at the end.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {assertCheckPasses} from './judge.js'
import {startCluster, type TestCluster} from '../test/helpers/cluster.js'
import {
  clientBinary,
  redisServerAvailable,
  SERVER_NAME,
  type RedisServer,
  startRedisServer,
  waitFor,
} from '../test/helpers/servers.js'
import {removeSavedPlan} from '../test/integration/reshard-support.js'
import {KEYS, loadKeys, VALUE} from './load.js'

const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const NODE_TIMEOUT = {'cluster-node-timeout': '15000'}

type Tool = {args: (seed: string) => string[]; command: string; name: string}

const tools: Tool[] = [
  {
    args: (seed) => [CLI, 'rebalance', seed, '--use-empty-masters', '--yes', '--json'],
    command: process.execPath,
    name: 'slotctl rebalance --use-empty-masters (defaults)',
  },
  {
    args: (seed) => ['--cluster', 'rebalance', seed, '--cluster-use-empty-masters', '--cluster-yes'],
    command: clientBinary(),
    name: `${clientBinary()} --cluster rebalance --cluster-use-empty-masters`,
  },
]

/** A new empty master, met by the first master, known to all and the cluster ok. */
async function joinEmpty(cluster: TestCluster): Promise<RedisServer> {
  const empty = await startRedisServer({config: NODE_TIMEOUT})
  const seed = cluster.masters[0]!
  await cluster.with(empty, (client) => client.call('CLUSTER', 'MEET', seed.host, String(seed.port)))
  const all = [...cluster.masters, empty]
  await waitFor('the new master to be known everywhere', async () => {
    const infos = await Promise.all(all.map((node) => cluster.with(node, (c) => c.call('CLUSTER', 'INFO'))))
    return infos.every((info) => /cluster_state:ok/.test(String(info)) && /cluster_known_nodes:4/.test(String(info)))
  })
  return empty
}

type Result = {keys: number; keysPerSecond: number; name: string; seconds: number}

async function measure(tool: Tool): Promise<Result> {
  const cluster = await startCluster({config: NODE_TIMEOUT, masters: 3, replicas: 0})
  let empty: RedisServer | undefined
  try {
    await loadKeys(cluster)
    empty = await joinEmpty(cluster)
    const started = performance.now()
    const run = spawnSync(tool.command, tool.args(cluster.seed), {encoding: 'utf8', maxBuffer: 1 << 30})
    const seconds = (performance.now() - started) / 1000
    removeSavedPlan(run)
    if (run.status !== 0)
      throw new Error(`${tool.name} exited ${run.status}:\n${run.stdout.slice(-2000)}\n${run.stderr}`)
    const sizes = await Promise.all([...cluster.masters, empty].map((n) => cluster.with(n, (c) => c.dbsize())))
    const total = sizes.reduce((a, b) => a + b, 0)
    if (total !== KEYS) throw new Error(`${tool.name}: ${total} keys after the rebalance, expected ${KEYS}`)
    await assertCheckPasses(tool.name, cluster.seed)
    const keys = sizes.at(-1)!
    return {keys, keysPerSecond: Math.round(keys / seconds), name: tool.name, seconds}
  } finally {
    await Promise.all([cluster.close(), empty?.stop()])
  }
}

export async function benchRebalance(): Promise<void> {
  if (!redisServerAvailable()) throw new Error(`${SERVER_NAME} is not installed`)
  const chosen = tools.filter((tool) => tool.name.includes(process.env.BENCH_ONLY ?? ''))
  if (chosen.length === 0) return
  console.log(
    `\n${SERVER_NAME}: ${KEYS} keys of ${VALUE.length} bytes on 3 masters, then rebalance onto a 4th, empty master`,
  )
  const results: Result[] = []
  for (const tool of chosen) {
    // eslint-disable-next-line no-await-in-loop
    const result = await measure(tool)
    results.push(result)
    console.log(
      `${result.name}: ${result.keys} keys in ${result.seconds.toFixed(2)} s = ${result.keysPerSecond} keys/s`,
    )
  }

  const [ours, theirs] = results
  if (ours && theirs && results.length === 2)
    console.log(`slotctl / ${clientBinary()} rebalance: ${(ours.keysPerSecond / theirs.keysPerSecond).toFixed(2)}x`)
}
