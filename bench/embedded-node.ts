/**
 * The embedded node's throughput beside redis-server's, in one run on one machine:
 * `redis-benchmark -t set,get,incr,lpush,hset -P 16` against one embedded node and one redis-server 7, both
 * cluster-enabled and owning all 16384 slots (so neither redirects), rounds interleaved, best round per command.
 * Prints ops/s per command and the embedded/redis ratio (the goal of issue 4 is at least 0.5 for each).
 *
 * Run alone with `node --import tsx bench/embedded-node.ts`; `npm run bench` runs it too. BENCH_NODE_ROUNDS
 * (default 3) and BENCH_NODE_REQUESTS (redis-benchmark -n, default 200000) tune it; BENCH_NODE_PROFILE=DIR
 * runs the embedded node under `node --cpu-prof --cpu-prof-dir DIR`.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {freePort, redisCli, redisServerAvailable, startRedisServer, waitFor} from '../test/helpers/servers.js'

const ROUNDS = Number(process.env.BENCH_NODE_ROUNDS ?? 3)
const REQUESTS = Number(process.env.BENCH_NODE_REQUESTS ?? 200_000)
const TESTS = ['SET', 'GET', 'INCR', 'LPUSH', 'HSET']
const DAEMON = fileURLToPath(new URL('../src/embedded/daemon.ts', import.meta.url))

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

/** An embedded node in a process of its own, as `sandbox up` runs it, so it does not share our event loop. */
async function startEmbedded(port: number, dir: string): Promise<ChildProcess> {
  const config = join(dir, 'daemon.json')
  writeFileSync(config, JSON.stringify({nodes: [{dir, port}]}))
  const profile = process.env.BENCH_NODE_PROFILE
  const flags = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', DAEMON, '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [ready] = (await once(child.stdout!, 'data')) as [Buffer]
  if (!ready.toString().startsWith('ready')) throw new Error(`embedded daemon: ${ready.toString()}`)
  return child
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

export async function benchEmbeddedNode(): Promise<void> {
  if (!redisServerAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server')
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-bench-node-'))
  const port = await freePort()
  const embedded = await startEmbedded(port, dir)
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
    embedded.kill('SIGTERM')
    await once(embedded, 'exit')
    await redis.stop()
    rmSync(dir, {force: true, recursive: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchEmbeddedNode()
