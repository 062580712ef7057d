/**
 * The embedded node beside redis-server 7, in one run on one machine, rounds interleaved, best round counts:
 * - throughput: `redis-benchmark -t set,get,incr,lpush,hset -P 16` against one node of each, both
 *   cluster-enabled and owning all 16384 slots (so neither redirects); ops/s per command and the
 *   embedded/redis ratio (issue 4 asks for at least 0.5 for each);
 * - reshard: `redis-cli --cluster reshard` of 100 empty slots between two masters of a 3-master cluster (the
 *   embedded nodes in one process, as `sandbox up` runs them), which is mostly CLUSTER SETSLOT round trips.
 *
 * Run alone with `node --import tsx bench/embedded-node.ts`; `npm run bench` runs it too. BENCH_NODE_ROUNDS
 * (default 3) and BENCH_NODE_REQUESTS (redis-benchmark -n, default 200000) tune it; BENCH_NODE_PROFILE=DIR
 * runs the embedded nodes under `node --cpu-prof --cpu-prof-dir DIR`; BENCH_NODE_DAEMON=FILE runs another
 * copy of src/embedded/daemon.ts (another checkout, to compare commits).
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startCluster} from '../test/helpers/cluster.js'
import {
  freePort,
  redisCli,
  redisServerAvailable,
  referenceCheck,
  startRedisServer,
  waitFor,
} from '../test/helpers/servers.js'

const ROUNDS = Number(process.env.BENCH_NODE_ROUNDS ?? 3)
const REQUESTS = Number(process.env.BENCH_NODE_REQUESTS ?? 200_000)
const TESTS = ['SET', 'GET', 'INCR', 'LPUSH', 'HSET']
const DAEMON = process.env.BENCH_NODE_DAEMON ?? fileURLToPath(new URL('../src/embedded/daemon.ts', import.meta.url))
const RESHARD_SLOTS = 100

type OpsPerSecond = Map<string, number>

/** One redis-benchmark run; its CSV output gives requests per second per test. */
function benchmark(port: number): OpsPerSecond {
  const args = ['-p', String(port), '-t', TESTS.join(',').toLowerCase(), '-P', '16', '-n', String(REQUESTS), '--csv']
  const run = spawnSync('redis-benchmark', args, {encoding: 'utf8'})
  if (run.status !== 0) throw new Error(`redis-benchmark exited ${run.status}: ${run.stderr}`)
  const results: OpsPerSecond = new Map()
  for (const line of run.stdout.split('\n')) {
    const [test, rps] = line.split(',').map((field) => field.replaceAll('"', ''))
    if (test && rps && TESTS.includes(test)) results.set(test, Number(rps))
  }

  if (results.size !== TESTS.length) throw new Error(`redis-benchmark printed no result for some tests:\n${run.stdout}`)
  return results
}

/** Embedded nodes in a process of their own, as `sandbox up` runs them, so they do not share our event loop. */
async function startEmbedded(ports: number[], dir: string): Promise<ChildProcess> {
  const config = join(dir, 'daemon.json')
  const nodes = ports.map((port) => ({dir: join(dir, String(port)), port}))
  writeFileSync(config, JSON.stringify({nodes}))
  const profile = process.env.BENCH_NODE_PROFILE
  const flags = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', DAEMON, '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [ready] = (await once(child.stdout!, 'data')) as [Buffer]
  if (!ready.toString().startsWith('ready')) throw new Error(`embedded daemon: ${ready.toString()}`)
  return child
}

async function stopEmbedded(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM')
  await once(child, 'exit')
}

function claimAllSlots(port: number): void {
  const result = redisCli(['-p', String(port), 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
  if (!result.output.includes('OK')) throw new Error(`CLUSTER ADDSLOTSRANGE on ${port}: ${result.output}`)
}

async function clusterOk(port: number): Promise<void> {
  await waitFor(`cluster_state:ok on ${port}`, () =>
    redisCli(['-p', String(port), 'CLUSTER', 'INFO']).output.includes('cluster_state:ok'),
  )
}

function best(into: OpsPerSecond, round: OpsPerSecond): void {
  for (const [test, rps] of round) into.set(test, Math.max(into.get(test) ?? 0, rps))
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')

async function benchThroughput(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-bench-node-'))
  const port = await freePort()
  const embedded = await startEmbedded([port], dir)
  const redis = await startRedisServer({cluster: true})
  try {
    for (const p of [port, redis.port]) claimAllSlots(p)
    await Promise.all([clusterOk(port), clusterOk(redis.port)])
    console.log(`\nredis-benchmark -t ${TESTS.join(',').toLowerCase()} -P 16 -n ${REQUESTS}, ${ROUNDS} round(s)`)
    console.log(`one node each, cluster-enabled with all slots; load average before: ${loadAverage()}`)
    const ours: OpsPerSecond = new Map()
    const theirs: OpsPerSecond = new Map()
    for (let round = 1; round <= ROUNDS; round++) {
      best(ours, benchmark(port))
      best(theirs, benchmark(redis.port))
    }

    console.log(`${'command'.padEnd(8)} ${'embedded'.padStart(10)} ${'redis'.padStart(10)}  ratio`)
    for (const test of TESTS) {
      const [a = 0, b = 1] = [ours.get(test), theirs.get(test)]
      console.log(`${test.padEnd(8)} ${a.toFixed(0).padStart(10)} ${b.toFixed(0).padStart(10)}  ${(a / b).toFixed(2)}`)
    }

    console.log(`load average after: ${loadAverage()}`)
  } finally {
    await stopEmbedded(embedded)
    await redis.stop()
    rmSync(dir, {force: true, recursive: true})
  }
}

function nodeId(port: number): string {
  return redisCli(['-p', String(port), 'CLUSTER', 'MYID']).output.trim()
}

/** Seconds `redis-cli --cluster reshard` takes to move RESHARD_SLOTS slots from the second master to the first. */
function timeReshard(ports: number[]): number {
  const [target = 0, source = 0] = ports
  const started = performance.now()
  const run = redisCli([
    '--cluster',
    'reshard',
    `127.0.0.1:${target}`,
    '--cluster-from',
    nodeId(source),
    '--cluster-to',
    nodeId(target),
    '--cluster-slots',
    String(RESHARD_SLOTS),
    '--cluster-yes',
  ])
  const seconds = (performance.now() - started) / 1000
  if (run.status !== 0) throw new Error(`redis-cli --cluster reshard failed:\n${run.output.slice(-2000)}`)
  return seconds
}

async function checkPasses(port: number): Promise<void> {
  await waitFor(`redis-cli --cluster check on ${port}`, () => referenceCheck(`127.0.0.1:${port}`).status === 0, 60_000)
}

async function embeddedReshard(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-bench-reshard-'))
  const ports = [await freePort(), await freePort(), await freePort()]
  const daemon = await startEmbedded(ports, dir)
  try {
    const create = redisCli(['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-yes'])
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.output}`)
    await checkPasses(ports[0]!)
    return timeReshard(ports)
  } finally {
    await stopEmbedded(daemon)
    rmSync(dir, {force: true, recursive: true})
  }
}

async function redisReshard(): Promise<number> {
  const cluster = await startCluster({config: {'cluster-node-timeout': '15000'}, masters: 3, replicas: 0})
  try {
    await cluster.waitHealthy()
    const ports = cluster.masters.map((node) => node.port)
    await checkPasses(ports[0]!)
    return timeReshard(ports)
  } finally {
    await cluster.close()
  }
}

async function benchReshard(): Promise<void> {
  console.log(`\nredis-cli --cluster reshard of ${RESHARD_SLOTS} empty slots, 3 masters, ${ROUNDS} round(s)`)
  let ours = Infinity
  let theirs = Infinity
  for (let round = 1; round <= ROUNDS; round++) {
    ours = Math.min(ours, await embeddedReshard())
    theirs = Math.min(theirs, await redisReshard())
  }

  console.log(`embedded ${ours.toFixed(2)} s, redis-server ${theirs.toFixed(2)} s (load average ${loadAverage()})`)
}

export async function benchEmbeddedNode(): Promise<void> {
  if (!redisServerAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server')
  // BENCH_NODE_ONLY=throughput or =reshard runs one case.
  const only = process.env.BENCH_NODE_ONLY
  if (only !== 'reshard') await benchThroughput()
  if (only !== 'throughput') await benchReshard()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchEmbeddedNode()
