/**
 * `slotctl create` on nodes spread over three loopback "hosts", judged by `redis-cli --cluster check`; the
 * same scenarios for every engine that runs nodes.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, before, describe, it} from 'node:test'

import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {type CliResult, jsonOf, runCli} from '../helpers/cli.js'
import type {RedisServer} from '../helpers/servers.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3']

/** A running node, whatever runs it. */
export type TestNode = {readonly address: string; stop(): Promise<void>}

export type Engine = {
  /** The client that reads and judges its nodes: redis-cli unless told (valkey-cli for valkey-server). */
  readonly cli?: string
  readonly name: string
  start(host: string): Promise<TestNode>
}

type CreateJson = {alreadyCreated: boolean; created: boolean; masters: Array<{address: string; replicas: string[]}>}

async function startNodes(engine: Engine, count: number): Promise<TestNode[]> {
  return Promise.all(Array.from({length: count}, (_, i) => engine.start(HOSTS[i % HOSTS.length]!)))
}

/** Every node's own view: each replica off its master's host, the replicas of one master on different hosts. */
async function assertReplicasOffTheirMasterHost(cli: string, addresses: string[], replicas: number) {
  for (const address of addresses) {
    const view = parseClusterNodes(await clusterNodesOf(cli, address))
    const byId = new Map(view.map((line) => [line.id, line]))
    const replicaLines = view.filter((line) => line.role === 'replica')
    assert.equal(replicaLines.length, replicas, `${address} sees ${replicas} replicas`)
    for (const replica of replicaLines) {
      const master = byId.get(replica.masterId!)!
      assert.notEqual(replica.host, master.host, `${address} sees ${replica.host}:${replica.port} on its master's host`)
    }

    const hostsPerMaster = new Map<string, string[]>()
    for (const replica of replicaLines)
      hostsPerMaster.set(replica.masterId!, [...(hostsPerMaster.get(replica.masterId!) ?? []), replica.host])
    for (const hosts of hostsPerMaster.values())
      assert.equal(new Set(hosts).size, hosts.length, 'replicas of one master on different hosts')
  }
}

/**
 * redis-cli without blocking this process: embedded nodes run in it, and a synchronous spawn would leave
 * them unable to answer.
 */
function redisCliAsync(cli: string, args: string[]): Promise<{output: string; status: number}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({output, status: code ?? -1}))
  })
}

async function clusterNodesOf(cli: string, address: string): Promise<string> {
  const [host, port] = address.split(':')
  const {output, status} = await redisCliAsync(cli, ['-h', host!, '-p', port!, 'CLUSTER', 'NODES'])
  assert.equal(status, 0, output)
  return output
}

/** The create scenarios on one engine: each engine runs from its own test file, so the two run side by side. */
export function createScenarios(engine: Engine): void {
  const cli = engine.cli ?? 'redis-cli'
  describe(`create on ${engine.name} nodes over 3 hosts`, () => {
    for (const {masters, replicas} of [
      {masters: 3, replicas: 1},
      {masters: 3, replicas: 2},
    ]) {
      const count = masters * (replicas + 1)
      describe(`${count} nodes, --replicas ${replicas}`, () => {
        let nodes: TestNode[] = []
        before(async () => {
          if (!redisServerAvailable()) return
          nodes = await startNodes(engine, count)
        })
        after(() => Promise.all(nodes.map((node) => node.stop())))
        const addresses = () => nodes.map((node) => node.address)

        it('creates a cluster that redis-cli --cluster check accepts at once, no replica on its master host', async (t) => {
          if (!requireRedisServer(t)) return
          const started = Date.now()
          const result = await runCli(['create', ...addresses(), '--replicas', String(replicas), '--yes', '--json'])
          const elapsed = Date.now() - started
          assert.equal(result.status, 0, result.stderr)
          const json = jsonOf<CreateJson>(result)
          assert.equal(json.created, true)
          assert.equal(json.masters.length, masters)
          t.diagnostic(`create of ${count} nodes took ${elapsed} ms (whole CLI run)`)
          const verdict = await redisCliAsync(cli, ['--cluster', 'check', addresses()[0]!])
          assert.equal(verdict.status, 0, verdict.output)
          assert.match(verdict.output, /All 16384 slots covered/)
          await assertReplicasOffTheirMasterHost(cli, addresses(), masters * replicas)
        })

        it('says the cluster is already there when run again, and exits 0', async (t) => {
          if (!requireRedisServer(t)) return
          const result = await runCli(['create', ...addresses(), '--replicas', String(replicas), '--yes'])
          assert.equal(result.status, 0, result.stderr)
          assert.match(result.stdout, /already form the planned cluster: nothing to do/)
        })
      })
    }
  })
}

/** The facts a refused create must leave as they were: no slots, no peers, no new keys. */
export async function stateOf(server: RedisServer, password?: string): Promise<string> {
  const client = server.client(password)
  try {
    const info = String(await client.call('CLUSTER', 'INFO'))
    const field = (name: string) => new RegExp(`${name}:(\\d+)`).exec(info)?.[1]
    return `slots=${field('cluster_slots_assigned')} known=${field('cluster_known_nodes')} keys=${await client.dbsize()}`
  } finally {
    client.disconnect()
  }
}

export const EMPTY = 'slots=0 known=1 keys=0'

export type ErrorJson = {code: string; message: string; suggestions?: string[]}
export const errorOf = (result: CliResult) => jsonOf<{error: ErrorJson}>(result).error
