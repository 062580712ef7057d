/**
 * `slotctl sandbox` end to end on one engine: up, status, a crash and a restart, down; judged by redis-cli and
 * by the processes themselves. Each engine runs from its own test file, so the two run side by side.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Cluster, Redis} from 'ioredis'

import {keyHashSlot} from '../../src/cluster/keyslot.js'
import {isAlive, portIsFree} from '../../src/sandbox/processes.js'
import {type CliResult, jsonOf, runCli} from '../helpers/cli.js'
import {
  randomPortBase,
  redisCli,
  redisCliAsync,
  redisServerAvailable,
  referenceCheck,
  requireRedisServer,
  waitFor,
} from '../helpers/servers.js'

export type Engine = {
  /** What the test names it: the server behind `--engine redis-server|valkey-server` (a path...), or `embedded`. */
  readonly label?: string
  readonly name: 'embedded' | 'redis-server' | 'valkey-server'
  /** PATH for slotctl: the server under test found by its family's name (pathWithServer). */
  readonly path?: string
}

type NodeJson = {address: string; pid: null | number; port: number; role?: string; running: boolean}

/** `count` ports in a row, each with its bus port (+10000) free too. */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = randomPortBase(count)
    const ports = Array.from({length: count}, (_, i) => base + i).flatMap((port) => [port, port + 10_000])
    // eslint-disable-next-line no-await-in-loop
    if ((await Promise.all(ports.map((port) => portIsFree('127.0.0.1', port)))).every(Boolean)) return base
  }

  throw new Error(`no run of ${count} free ports found`)
}

/** The CLUSTER NODES line of the node on `port`, as the node on `viewer` sees it. */
const lineOf = (viewer: number, port: number): string => {
  const {output} = redisCli(['-p', String(viewer), 'CLUSTER', 'NODES'])
  return output.split('\n').find((l) => l.includes(`:${port}@`)) ?? ''
}

const roleSeenBy = (viewer: number, port: number): string => {
  const line = lineOf(viewer, port)
  return line.includes('master') ? 'master' : line.includes('slave') ? 'replica' : 'unknown'
}

/** The nodes as sandbox.json records them. */
function stateNodes(dir: string): Array<{pid: null | number; port: number}> {
  return (
    JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as {nodes: Array<{pid: null | number; port: number}>}
  ).nodes
}

function assertOk(result: CliResult): void {
  assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`)
}

/** The sandbox life cycle on one engine, as one describe block. */
export function sandboxScenarios(engine: Engine): void {
  describe(`sandbox on ${engine.label ?? engine.name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'slotctl-sandbox-'))
    const dir = join(root, 'sandbox')
    // A relative --dir, run from its parent, as the README's quick start does: node processes run in their own
    // directories, so a path left relative once pointed them at files that were not there.
    const flags = ['--dir', 'sandbox']
    const env = engine.path ? {PATH: engine.path} : {}
    const inRoot = {cwd: root, env}
    const sandbox = (args: string[]) => runCli(['sandbox', ...args, ...flags], inRoot)
    let port = 0
    let up: CliResult | undefined
    before(async () => {
      if (!redisServerAvailable()) return
      port = await freePortRun(6)
      up = await runCli(
        ['sandbox', 'up', '--engine', engine.name, '--port', String(port), '--node-timeout', '1000', ...flags],
        inRoot,
      )
    })
    after(async () => {
      if (existsSync(dir)) await sandbox(['down', '--purge'])
      rmSync(root, {force: true, recursive: true})
    })
    const status = async () => jsonOf<{nodes: NodeJson[]}>(await sandbox(['status', '--json'])).nodes

    it('starts a cluster that redis-cli --cluster check accepts, and says how to connect', async (t) => {
      if (!requireRedisServer(t)) return
      assertOk(up!)
      const client = engine.name === 'valkey-server' ? 'valkey-cli' : 'redis-cli'
      assert.match(up!.stdout, new RegExp(`${client} -c -p ${port}\\b`))
      assert.match(up!.stdout, new RegExp(`slotctl check 127\\.0\\.0\\.1:${port}`))
      const verdict = referenceCheck(`127.0.0.1:${port}`)
      assert.equal(verdict.status, 0, verdict.output)
      const nodes = await status()
      assert.equal(nodes.length, 6)
      assert.ok(nodes.every((node) => node.running))
      assert.deepEqual(nodes.map((node) => node.role).sort(), [
        'master',
        'master',
        'master',
        'replica',
        'replica',
        'replica',
      ])
    })

    it('refuses a second sandbox in the same directory, and ports already in use', async (t) => {
      if (!requireRedisServer(t)) return
      const again = await runCli(['sandbox', 'up', '--port', String(port + 100), '--json', ...flags], inRoot)
      assert.equal(again.status, 1)
      assert.equal(jsonOf<{error: {code: string}}>(again).error.code, 'SANDBOX_EXISTS')
      const other = join(root, 'other')
      const busy = await runCli(['sandbox', 'up', '--port', String(port), '--dir', other, '--json'], {env})
      assert.equal(busy.status, 2)
      assert.match(
        jsonOf<{error: {message: string}}>(busy).error.message,
        new RegExp(`127\\.0\\.0\\.1:${port} is in use`),
      )
      assert.equal(existsSync(other), false, 'nothing left behind')
    })

    it('crashes a master with stop-node: its replica takes over with every acknowledged key, and it comes back as that replica', async (t) => {
      if (!requireRedisServer(t)) return
      const [first] = stateNodes(dir)
      const heir = port + 3
      // Keys of the first master's slots (0-5460), each acknowledged by its replica (WAIT) before the crash.
      const keys = Array.from({length: 5000}, (_, i) => `drill:${i}`).filter((key) => keyHashSlot(key) <= 5460)
      const writer = new Redis({lazyConnect: true, port})
      t.after(() => writer.disconnect())
      await writer.connect()
      await Promise.all(keys.map((key) => writer.set(key, `v${key}`)))
      assert.equal(await writer.call('WAIT', '1', '5000'), 1, 'the replica acknowledged every write')
      writer.disconnect()

      assertOk(await sandbox(['stop-node', String(port)]))
      // stop-node returns once the process is gone: the crash happened just before.
      const killedAt = Date.now()
      assert.equal(isAlive(first!.pid!), false, 'the process is gone')
      assert.equal(stateNodes(dir)[0]!.pid, null)
      await waitFor('the replica to take over', () => roleSeenBy(port + 1, heir) === 'master', 20_000)
      // Measured, not asserted (no timing assertions): issue 5 wants it within 2 x node-timeout (2000 ms here).
      t.diagnostic(`replica promoted ${Date.now() - killedAt} ms after the kill (node timeout 1000 ms)`)
      await waitFor('every live node to report cluster_state:ok', () =>
        [1, 2, 3, 4, 5].every((i) =>
          /cluster_state:ok/.test(redisCli(['-p', String(port + i), 'CLUSTER', 'INFO']).output),
        ),
      )
      const verdict = referenceCheck(`127.0.0.1:${heir}`)
      assert.equal(verdict.status, 0, verdict.output)
      const reader = new Redis({lazyConnect: true, port: heir})
      t.after(() => reader.disconnect())
      await reader.connect()
      const values = await Promise.all(keys.map((key) => reader.get(key)))
      reader.disconnect()
      assert.deepEqual(
        keys.filter((key, i) => values[i] !== `v${key}`),
        [],
        'every acknowledged key is on the new master',
      )

      assertOk(await sandbox(['start-node', String(port)]))
      const restarted = stateNodes(dir)[0]!
      assert.equal(isAlive(restarted.pid!), true)
      assert.notEqual(restarted.pid, first!.pid)
      const heirId = redisCli(['-p', String(heir), 'CLUSTER', 'MYID']).output.trim()
      await waitFor(
        'the old master to rejoin as a replica of its successor',
        () => lineOf(port + 1, port).includes(` slave ${heirId} `),
        20_000,
      )
    })

    it('down stops its nodes and keeps the files; up starts the same cluster again with every key', async (t) => {
      if (!requireRedisServer(t)) return
      const before = stateNodes(dir)
      const ids = await Promise.all(before.map(({port: p}) => redisCliAsync(['-p', String(p), 'CLUSTER', 'MYID'])))
      const keys = Array.from({length: 200}, (_, i) => `key:${i}`)
      const writer = new Cluster([{host: '127.0.0.1', port}])
      t.after(() => writer.disconnect())
      await Promise.all(keys.map((key) => writer.set(key, `v${key}`)))
      writer.disconnect()
      assertOk(await sandbox(['down']))
      for (const node of before) assert.equal(isAlive(node.pid!), false, `${node.port} stopped`)
      assert.ok(existsSync(join(dir, 'sandbox.json')), 'the state file stays')

      const up = await sandbox(['up', '--json'])
      assertOk(up)
      const resumed = jsonOf<{elapsedMs: number; resumed: boolean}>(up)
      assert.equal(resumed.resumed, true)
      t.diagnostic(`up again in ${resumed.elapsedMs} ms`)
      const after = await Promise.all(before.map(({port: p}) => redisCliAsync(['-p', String(p), 'CLUSTER', 'MYID'])))
      assert.deepEqual(after, ids, 'the same nodes')
      const verdict = referenceCheck(`127.0.0.1:${port}`)
      assert.equal(verdict.status, 0, verdict.output)
      const reader = new Cluster([{host: '127.0.0.1', port}])
      t.after(() => reader.disconnect())
      const values = await Promise.all(keys.map((key) => reader.get(key)))
      reader.disconnect()
      assert.deepEqual(
        keys.filter((key, i) => values[i] !== `v${key}`),
        [],
        'every key is back',
      )

      const fresh = await sandbox(['up', '--fresh', '--port', String(port), '--node-timeout', '1000', '--json'])
      assertOk(fresh)
      assert.equal(jsonOf<{resumed: boolean}>(fresh).resumed, false)
      assert.equal(redisCli(['-c', '-p', String(port), 'GET', keys[0]!]).output.trim(), '', 'a fresh sandbox is empty')
    })

    it('down stops only the processes it started; --purge keeps the files while a node it did not stop runs', async (t) => {
      if (!requireRedisServer(t)) return
      const nodes = stateNodes(dir)
      // A process the sandbox did not start, under a pid the state file claims: down must leave it alone.
      const bystander = spawn('sleep', ['60'], {stdio: 'ignore'})
      t.after(() => bystander.kill())
      const state = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as {nodes: Array<{pid: number}>}
      const last = state.nodes.at(-1)!
      const orphan = {pid: last.pid, port: nodes.at(-1)!.port}
      last.pid = bystander.pid!
      writeFileSync(join(dir, 'sandbox.json'), JSON.stringify(state))
      t.after(() => isAlive(orphan.pid) && process.kill(orphan.pid, 'SIGKILL'))

      // The node whose pid was replaced still runs, and could write its files while --purge removed them.
      const refused = await sandbox(['down', '--purge', '--json'])
      assert.equal(refused.status, 1, refused.stderr)
      const {error} = jsonOf<{error: {code: string; message: string; suggestions: string[]}}>(refused)
      assert.equal(error.code, 'SANDBOX_NODE_RUNNING')
      assert.ok(
        error.message.includes(`node 127.0.0.1:${orphan.port} (pid ${orphan.pid}) is still running`),
        error.message,
      )
      assert.match(error.suggestions.join('\n'), new RegExp(`kill ${orphan.pid}\\b`))
      assert.equal(isAlive(bystander.pid!), true, 'the bystander still runs')
      for (const node of nodes.slice(0, 5)) assert.equal(isAlive(node.pid!), false, `${node.port} stopped`)
      assert.ok(existsSync(join(dir, 'sandbox.json')), 'the state file stays')

      process.kill(orphan.pid, 'SIGKILL')
      await waitFor('the orphaned node to exit', () => portIsFree('127.0.0.1', orphan.port))
      const down = await sandbox(['down', '--purge', '--json'])
      assertOk(down)
      assert.deepEqual(jsonOf<{stopped: number[]}>(down).stopped, [])
      assert.equal(existsSync(dir), false)
    })
  })
}
