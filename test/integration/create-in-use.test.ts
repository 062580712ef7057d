/** `slotctl create` on nodes already in use, on nodes that cannot converge, and with a password. */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {jsonOf, runCli} from '../helpers/cli.js'
import {
  freePort,
  type RedisServer,
  redisServerAvailable,
  requireRedisServer,
  startRedisServer,
  waitFor,
} from '../helpers/servers.js'
import {EMPTY, errorOf, stateOf} from './create-scenarios.js'

describe('create on nodes already in use', () => {
  let nodes: RedisServer[] = []
  const addresses = () => nodes.map((node) => node.address)
  before(async () => {
    if (redisServerAvailable()) nodes = await Promise.all([1, 2, 3, 4].map(() => startRedisServer()))
  })
  after(() => Promise.all(nodes.map((node) => node.stop())))

  it('names a node that knows another node', async (t) => {
    if (!requireRedisServer(t)) return
    const [a, b, c, d] = nodes
    const client = a!.client()
    t.after(() => client.disconnect())
    await client.call('CLUSTER', 'MEET', d!.host, d!.port)
    await waitFor('the MEET to take', async () =>
      /cluster_known_nodes:2/.test(String(await client.call('CLUSTER', 'INFO'))),
    )
    const result = await runCli(['create', a!.address, b!.address, c!.address, '--yes', '--json'])
    assert.equal(result.status, 1)
    assert.match(errorOf(result).message, new RegExp(`${a!.address} knows 1 other node \\(${d!.address}\\)`))
    for (const node of [b!, c!]) assert.equal(await stateOf(node), EMPTY)
  })

  it('diagnoses a cluster that differs from the plan, and accepts one that matches it', async (t) => {
    if (!requireRedisServer(t)) return
    const three = addresses().slice(0, 3)
    for (const node of nodes) {
      const client = node.client()
      await client.call('CLUSTER', 'RESET', 'HARD')
      client.disconnect()
    }

    const created = await runCli(['create', ...three, '--yes'])
    assert.equal(created.status, 0, created.stderr)
    const [a, b, c] = three
    const reordered = await runCli(['create', b!, a!, c!, '--yes', '--json'])
    assert.equal(reordered.status, 1)
    assert.equal(errorOf(reordered).code, 'CLUSTER_DIFFERS')
    assert.match(errorOf(reordered).message, new RegExp(`\\n  ${b} owns slots 5461-10922, the plan gives it 0-5460\\n`))
    const again = await runCli(['create', ...three, '--yes', '--json'])
    assert.equal(again.status, 0, again.stderr)
    assert.equal(jsonOf<{alreadyCreated: boolean}>(again).alreadyCreated, true)
  })
})

describe('create with a password', () => {
  it('keeps it out of the output and the plan', async (t) => {
    if (!requireRedisServer(t)) return
    const password = 'sekret-pw-42'
    const nodes = await Promise.all([1, 2, 3].map(() => startRedisServer({password})))
    t.after(() => Promise.all(nodes.map((node) => node.stop())))
    const planDir = mkdtempSync(join(tmpdir(), 'slotctl-plan-'))
    t.after(() => rmSync(planDir, {force: true, recursive: true}))
    const file = join(planDir, 'create.json')
    const args = ['create', ...nodes.map((node) => node.address), '--plan-out', file, '--yes']
    const result = await runCli([...args, '--json'], {env: {REDISCLI_AUTH: password}})
    assert.equal(result.status, 0, result.stderr)
    for (const text of [result.stdout, result.stderr, readFileSync(file, 'utf8')]) assert.ok(!text.includes(password))
    for (const node of nodes) assert.match(await stateOf(node, password), /slots=\d+ known=3/)
  })
})

describe('create on nodes that cannot reach each other', () => {
  it('gives up after --timeout, naming the nodes that lag, with exit 1', async (t) => {
    if (!requireRedisServer(t)) return
    // The first node announces a bus port nobody listens on: the others can never complete the handshake with it.
    // A node timeout well above --timeout keeps their failed handshakes listed (Redis drops them after it).
    const config = {'cluster-node-timeout': '15000'}
    const [first, ...others] = await Promise.all([
      startRedisServer({config: {...config, 'cluster-announce-bus-port': String(await freePort())}}),
      startRedisServer({config}),
      startRedisServer({config}),
    ])
    t.after(() => Promise.all([first!, ...others].map((node) => node.stop())))
    const result = await runCli([
      'create',
      first!.address,
      ...others.map((n) => n.address),
      '--yes',
      '--timeout',
      '2000',
      '--json',
    ])
    assert.equal(result.status, 1)
    const error = errorOf(result)
    assert.equal(error.code, 'NOT_CONVERGED')
    assert.match(error.message, /^timed out after 2 s waiting until every node knows all 3/)
    assert.match(error.message, new RegExp(`: the others cannot complete the handshake with ${first!.address}: `))
    assert.match(error.message, new RegExp(`${others[0]!.address} does not know ${first!.address}`))
  })
})
