/**
 * `slotctl create` on real nodes spread over three loopback "hosts", judged by `redis-cli --cluster check`.
 * The scenarios run per engine; an engine that cannot run yet is listed with the reason.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {jsonOf, runCli} from '../helpers/cli.js'
import {
  redisCli,
  redisServerAvailable,
  referenceCheck,
  requireRedisServer,
  startRedisServer,
} from '../helpers/servers.js'

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3']

/** A running node, whatever runs it. */
type TestNode = {readonly address: string; stop(): Promise<void>}

type Engine = {
  readonly name: string
  start(host: string): Promise<TestNode>
  /** Why the engine cannot run these scenarios yet; they are then reported as todo. */
  readonly todo?: string
}

const engines: Engine[] = [
  {name: 'redis-server', start: (host) => startRedisServer({host})},
  {
    name: 'embedded',
    start: () => Promise.reject(new Error('no embedded engine')),
    todo: 'src/embedded has no cluster node yet (startEmbeddedNode has not landed)',
  },
]

type CreateJson = {alreadyCreated: boolean; created: boolean; masters: Array<{address: string; replicas: string[]}>}

async function startNodes(engine: Engine, count: number): Promise<TestNode[]> {
  return Promise.all(Array.from({length: count}, (_, i) => engine.start(HOSTS[i % HOSTS.length]!)))
}

/** Every node's own view of who replicates whom, by address: each view must place every replica off its master's host. */
function assertReplicasOffTheirMasterHost(addresses: string[], replicas: number) {
  for (const address of addresses) {
    const view = parseClusterNodes(clusterNodesOf(address))
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

function clusterNodesOf(address: string): string {
  const [host, port] = address.split(':')
  const {output, status} = redisCli(['-h', host!, '-p', port!, 'CLUSTER', 'NODES'])
  assert.equal(status, 0, output)
  return output
}

for (const engine of engines) {
  describe(`create on ${engine.name} nodes over 3 hosts`, () => {
    for (const {masters, replicas} of [
      {masters: 3, replicas: 1},
      {masters: 3, replicas: 2},
    ]) {
      const count = masters * (replicas + 1)
      describe(`${count} nodes, --replicas ${replicas}`, () => {
        let nodes: TestNode[] = []
        before(async () => {
          if (engine.todo || !redisServerAvailable()) return
          nodes = await startNodes(engine, count)
        })
        after(() => Promise.all(nodes.map((node) => node.stop())))
        const addresses = () => nodes.map((node) => node.address)

        const todo = engine.todo ? {todo: engine.todo} : {}
        it(
          'creates a cluster that redis-cli --cluster check accepts at once, no replica on its master host',
          todo,
          async (t) => {
            if (engine.todo || !requireRedisServer(t)) return
            const started = Date.now()
            const result = await runCli(['create', ...addresses(), '--replicas', String(replicas), '--yes', '--json'])
            const elapsed = Date.now() - started
            assert.equal(result.status, 0, result.stderr)
            const json = jsonOf<CreateJson>(result)
            assert.equal(json.created, true)
            assert.equal(json.masters.length, masters)
            t.diagnostic(`create of ${count} nodes took ${elapsed} ms (whole CLI run)`)
            const verdict = referenceCheck(addresses()[0]!)
            assert.equal(verdict.status, 0, verdict.output)
            assert.match(verdict.output, /All 16384 slots covered/)
            assertReplicasOffTheirMasterHost(addresses(), masters * replicas)
          },
        )

        it('says the cluster is already there when run again, and exits 0', todo, async (t) => {
          if (engine.todo || !requireRedisServer(t)) return
          const result = await runCli(['create', ...addresses(), '--replicas', String(replicas), '--yes'])
          assert.equal(result.status, 0, result.stderr)
          assert.match(result.stdout, /already form the planned cluster: nothing to do/)
        })
      })
    }
  })
}
