/**
 * `npm run bench`: how fast slotctl moves slots, against redis-cli on the same machine, in one run.
 *
 * For each tool, a fresh real 3-master / 3-replica cluster is loaded with 1,000,000 keys of 64-byte values
 * over all slots, then 4,000 slots move from all masters to one: slotctl with its defaults, `redis-cli
 * --cluster reshard` with its defaults, and with `--cluster-pipeline 1000`. Each run is checked (key count,
 * redis-cli --cluster check) and timed from process start to exit; the keys moved are counted on the cluster.
 * Then the rebalance case (bench/rebalance.ts), and the embedded node against redis-server (bench/embedded-node.ts).
 */
import {spawnSync} from 'node:child_process'
import {loadavg} from 'node:os'
import {fileURLToPath} from 'node:url'

import {startCluster, type TestCluster} from '../test/helpers/cluster.js'
import {removeSavedPlan} from '../test/integration/reshard-support.js'
import {KEYS, loadKeys, VALUE} from './load.js'
import {benchEmbeddedNode} from './embedded-node.js'
import {assertCheckPasses} from './judge.js'
import {benchRebalance} from './rebalance.js'
import {clientBinary, embeddedEnabled, redisServerAvailable, SERVER_NAME, waitFor} from '../test/helpers/servers.js'

/** Rounds of all three tools, interleaved; each tool's best round counts (other load only ever slows a run). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const SLOTS = Number(process.env.BENCH_SLOTS ?? 4000)
const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))
/** The reference tool of the server under test: redis-cli, or valkey-cli beside valkey-server. */
const CLIENT = clientBinary()

type Tool = {args: (seed: string, targetId: string) => string[]; command: string; name: string}

const tools: Tool[] = [
  {
    args: (seed, target) => [
      CLI,
      'reshard',
      seed,
      '--from',
      'all',
      '--to',
      target,
      '--slots',
      String(SLOTS),
      '--yes',
      '--json',
    ],
    command: process.execPath,
    name: 'slotctl reshard (defaults)',
  },
  {
    args: (seed, target) => redisCliArgs(seed, target),
    command: CLIENT,
    name: `${CLIENT} --cluster reshard (defaults)`,
  },
  {
    args: (seed, target) => [...redisCliArgs(seed, target), '--cluster-pipeline', '1000'],
    command: CLIENT,
    name: `${CLIENT} --cluster reshard --cluster-pipeline 1000`,
  },
]

function redisCliArgs(seed: string, target: string): string[] {
  return [
    '--cluster',
    'reshard',
    seed,
    '--cluster-from',
    'all',
    '--cluster-to',
    target,
    '--cluster-slots',
    String(SLOTS),
    '--cluster-yes',
  ]
}

async function replicasInSync(cluster: TestCluster): Promise<boolean> {
  const offsets = await Promise.all(
    cluster.nodes.map((node) =>
      cluster.with(node, async (client) => /master_repl_offset:(\d+)/.exec(await client.info('replication'))?.[1]),
    ),
  )
  const byMaster = cluster.masters.map((_, m) => offsets[m])
  return cluster.replicas.every((_, r) => offsets[cluster.masters.length + r] === byMaster[r])
}

async function totalKeys(cluster: TestCluster): Promise<number> {
  const sizes = await Promise.all(cluster.masters.map((node) => cluster.with(node, (client) => client.dbsize())))
  return sizes.reduce((sum, size) => sum + size, 0)
}

type Result = {keys: number; keysPerSecond: number; name: string; seconds: number}

async function measure(tool: Tool): Promise<Result> {
  // Redis' default node timeout: the tests' 2 s lets a loaded machine fail masters over in the middle of a run.
  const cluster = await startCluster({config: {'cluster-node-timeout': '15000'}, masters: 3, replicas: 1})
  try {
    await loadKeys(cluster)
    await waitFor('the replicas to catch up', () => replicasInSync(cluster), 120_000)
    const target = cluster.masters[0]!
    const keysBefore = await cluster.with(target, (client) => client.dbsize())
    const started = performance.now()
    const run = spawnSync(tool.command, tool.args(cluster.seed, await cluster.nodeId(target)), {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      // BENCH_VERBOSE=1 shows what the tools print on stderr (slotctl's progress stays off: not a terminal).
      stdio: ['ignore', 'pipe', process.env.BENCH_VERBOSE ? 'inherit' : 'pipe'],
    })
    const seconds = (performance.now() - started) / 1000
    if (run.status !== 0)
      throw new Error(`${tool.name} exited ${run.status}:\n${run.stdout.slice(-2000)}\n${run.stderr}`)
    removeSavedPlan(run)
    await cluster.waitHealthy()
    const keys = (await cluster.with(target, (client) => client.dbsize())) - keysBefore
    const total = await totalKeys(cluster)
    if (total !== KEYS) throw new Error(`${tool.name}: ${total} keys after the reshard, expected ${KEYS}`)
    await assertCheckPasses(tool.name, cluster.seed)
    return {keys, keysPerSecond: Math.round(keys / seconds), name: tool.name, seconds}
  } finally {
    await cluster.close()
  }
}

async function main(): Promise<void> {
  if (!redisServerAvailable()) throw new Error(`${SERVER_NAME} is not installed`)
  console.log(
    `${SERVER_NAME}: ${KEYS} keys of ${VALUE.length} bytes, 3 masters + 3 replicas, reshard ${SLOTS} slots from all to one master`,
  )
  console.log(`${ROUNDS} round(s), best of each tool counts; load average before: ${loadAverage()}\n`)
  // BENCH_ONLY=slotctl (any part of a tool's name) runs just that one, for profiling.
  const chosen = tools.filter((tool) => tool.name.includes(process.env.BENCH_ONLY ?? ''))
  const best = new Map<string, Result>()
  for (let round = 1; round <= ROUNDS; round++) {
    for (const tool of chosen) {
      // eslint-disable-next-line no-await-in-loop
      const result = await measure(tool)
      const line = `${result.keys} keys in ${result.seconds.toFixed(2)} s = ${result.keysPerSecond} keys/s`
      console.log(`round ${round}, ${result.name}: ${line} (load ${loadAverage()})`)
      if (result.keysPerSecond > (best.get(tool.name)?.keysPerSecond ?? 0)) best.set(tool.name, result)
    }
  }

  const [ours, cliDefault, cliPipeline] = chosen.map((tool) => best.get(tool.name))
  console.log('')
  for (const result of best.values())
    console.log(`${result.name.padEnd(52)} ${String(result.keysPerSecond).padStart(7)} keys/s`)
  if (!ours || !cliDefault || !cliPipeline) return
  console.log(`\nslotctl / ${CLIENT} defaults:      ${(ours.keysPerSecond / cliDefault.keysPerSecond).toFixed(2)}x`)
  console.log(`slotctl / ${CLIENT} pipeline 1000: ${(ours.keysPerSecond / cliPipeline.keysPerSecond).toFixed(2)}x`)
  console.log(`load average after: ${loadAverage()}`)
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')

/**
 * `npm run bench` runs every server of BENCH_SERVERS (redis-server and valkey-server) in turn, each in a process
 * of its own with SLOTCTL_TEST_SERVER set, as the tests choose their server; the embedded node's part runs once.
 */
function benchEachServer(): void {
  const servers = (process.env.BENCH_SERVERS ?? 'redis-server valkey-server').split(/\s+/).filter(Boolean)
  for (const [index, server] of servers.entries()) {
    const run = spawnSync(process.execPath, process.execArgv.concat(fileURLToPath(import.meta.url)), {
      env: {...process.env, SLOTCTL_TEST_EMBEDDED: index === 0 ? '1' : '0', SLOTCTL_TEST_SERVER: server},
      stdio: 'inherit',
    })
    if (run.status !== 0) process.exit(run.status ?? 1)
    console.log('')
  }
}

if (process.env.SLOTCTL_TEST_SERVER) {
  await main()
  await benchRebalance()
  if (embeddedEnabled()) await benchEmbeddedNode()
} else benchEachServer()
