/**
 * What `slotctl create` refuses, and that a refusal changes nothing: real redis-server nodes, the CLI as a child process.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCli} from '../helpers/cli.js'
import {
  freePort,
  type RedisServer,
  redisServerAvailable,
  requireRedisServer,
  startRedisServer,
  waitFor,
} from '../helpers/servers.js'
import {EMPTY, errorOf, stateOf} from './create-scenarios.js'

describe('create refuses, before any change', () => {
  let nodes: RedisServer[] = []
  const addresses = () => nodes.map((node) => node.address)
  before(async () => {
    if (redisServerAvailable()) nodes = await Promise.all([1, 2, 3].map(() => startRedisServer()))
  })
  after(() => Promise.all(nodes.map((node) => node.stop())))

  const assertUntouched = async () => {
    for (const node of nodes) assert.equal(await stateOf(node), EMPTY, `${node.address} unchanged`)
  }

  it('fewer than 3 masters, with exit 2 and the reason', async (t) => {
    if (!requireRedisServer(t)) return
    const result = await runCli(['create', ...addresses().slice(0, 2), '--yes', '--json'])
    assert.equal(result.status, 2, result.stderr)
    assert.match(errorOf(result).message, /give 2 masters.*at least 3.*majority of masters/)
    const withReplicas = await runCli(['create', ...addresses(), '--replicas', '1', '--yes', '--json'])
    assert.equal(withReplicas.status, 2)
    assert.deepEqual(errorOf(withReplicas).suggestions, ['Give at least 6 nodes for --replicas 1, or lower --replicas'])
    await assertUntouched()
  })

  it('an address listed twice, or two spellings of one node, with exit 2', async (t) => {
    if (!requireRedisServer(t)) return
    const [a, b] = addresses()
    const twice = await runCli(['create', a!, b!, a!, '--yes', '--json'])
    assert.equal(twice.status, 2)
    assert.equal(errorOf(twice).message, `${a} is listed twice`)
    const port = a!.split(':')[1]
    const aliased = await runCli(['create', ...addresses(), `localhost:${port}`, '--yes', '--json'])
    assert.equal(aliased.status, 2, aliased.stderr)
    assert.match(errorOf(aliased).message, new RegExp(`${a} and localhost:${port} are the same node`))
    await assertUntouched()
  })

  it('a node that holds a key, naming it (exit 1)', async (t) => {
    if (!requireRedisServer(t)) return
    const holder = nodes[1]!
    const client = holder.client()
    t.after(async () => {
      await client.flushall()
      await client.config('SET', 'cluster-require-full-coverage', 'yes')
      client.disconnect()
    })
    // A key left behind in a slot the node no longer owns: what a half-cleaned node looks like.
    await client.config('SET', 'cluster-require-full-coverage', 'no')
    const slot = String(await client.call('CLUSTER', 'KEYSLOT', 'somekey'))
    await client.call('CLUSTER', 'ADDSLOTS', slot)
    await waitFor('the node to take writes', () =>
      client.set('somekey', 'v').then(
        () => true,
        () => false,
      ),
    )
    await client.call('CLUSTER', 'DELSLOTS', slot)
    const result = await runCli(['create', ...addresses(), '--yes', '--json'])
    assert.equal(result.status, 1)
    assert.equal(errorOf(result).code, 'NODE_NOT_EMPTY')
    assert.match(errorOf(result).message, new RegExp(`\\n  ${holder.address} holds 1 key$`))
    for (const node of [nodes[0]!, nodes[2]!]) assert.equal(await stateOf(node), EMPTY)
  })

  it('a node that owns slots, naming it', async (t) => {
    if (!requireRedisServer(t)) return
    const owner = nodes[2]!
    const client = owner.client()
    t.after(async () => {
      await client.call('CLUSTER', 'DELSLOTSRANGE', '100', '199')
      client.disconnect()
    })
    await client.call('CLUSTER', 'ADDSLOTSRANGE', '100', '199')
    const result = await runCli(['create', ...addresses(), '--yes', '--json'])
    assert.equal(result.status, 1)
    assert.match(errorOf(result).message, new RegExp(`${owner.address} owns slots 100-199`))
    for (const node of nodes.slice(0, 2)) assert.equal(await stateOf(node), EMPTY)
  })

  it('an unreachable node (exit 3) and a node not in cluster mode (exit 2), naming each', async (t) => {
    if (!requireRedisServer(t)) return
    const closed = `127.0.0.1:${await freePort()}`
    const unreachable = await runCli(['create', ...addresses(), closed, '--yes', '--json'])
    assert.equal(unreachable.status, 3)
    assert.match(errorOf(unreachable).message, new RegExp(`${closed}: connection refused`))
    const standalone = await startRedisServer({cluster: false})
    t.after(() => standalone.stop())
    const notCluster = await runCli(['create', ...addresses(), standalone.address, '--yes', '--json'])
    assert.equal(notCluster.status, 2)
    assert.match(errorOf(notCluster).message, new RegExp(`${standalone.address} is not a cluster node`))
    await assertUntouched()
  })

  it('without a terminal and without --yes: exit 2 naming --yes, and no prompt left hanging', async (t) => {
    if (!requireRedisServer(t)) return
    const result = await runCli(['create', ...addresses(), '--json'], {
      env: {REDISCLI_CLUSTER_YES: ''},
      timeoutMs: 20_000,
    })
    assert.equal(result.status, 2)
    assert.equal(errorOf(result).code, 'CONFIRMATION_REQUIRED')
    assert.match(errorOf(result).message, /no terminal to ask on: pass --yes$/)
    await assertUntouched()
  })

  it('--dry-run prints the allocation, writes --plan-out, and changes nothing', async (t) => {
    if (!requireRedisServer(t)) return
    const planDir = mkdtempSync(join(tmpdir(), 'slotctl-plan-'))
    t.after(() => rmSync(planDir, {force: true, recursive: true}))
    const file = join(planDir, 'create.json')
    const result = await runCli(['create', ...addresses(), '--dry-run', '--plan-out', file])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /MASTER\s+SLOTS\s+COUNT\s+REPLICAS/)
    assert.match(result.stdout, /0-5460\s+5461/)
    assert.match(result.stdout, /Dry run: nothing was changed/)
    const plan = JSON.parse(readFileSync(file, 'utf8')) as {kind: string; steps: Array<{action: string}>}
    assert.equal(plan.kind, 'create')
    assert.deepEqual(
      [...new Set(plan.steps.map((step) => step.action))],
      ['add-slots', 'set-config-epoch', 'meet', 'wait-joined'],
    )
    await assertUntouched()
  })
})
