/**
 * `slotctl call` per engine on a password-protected cluster: every node's reply, exit 1 when any node
 * answers with an error, role filters; and the same over IPv6 loopback.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {jsonOf, runCli} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {engines, type TestClusterOf} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const PASSWORD = 'call-pw-0815'
const auth = ['-a', PASSWORD]

type CallJson = {
  command: string[]
  errors: number
  results: Array<{address: string; error?: string; reply?: unknown; role: string}>
}

for (const engine of engines) {
  describe(`call on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    before(async () => {
      if (redisServerAvailable()) cluster = await engine.startCluster({masters: 3, password: PASSWORD})
    })
    after(() => cluster?.close())

    it('sends the command to every node at once and shows each reply', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['call', cluster!.seed, 'CONFIG', 'GET', 'cluster-node-timeout', ...auth, '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<CallJson>(result)
      assert.deepEqual(json.command, ['CONFIG', 'GET', 'cluster-node-timeout'])
      assert.equal(json.errors, 0)
      assert.deepEqual(json.results.map((r) => r.address).sort(), cluster!.masters.map((node) => node.address).sort())
      for (const reply of json.results) assert.deepEqual(reply.reply, ['cluster-node-timeout', '2000'])
      const table = await runCli(['call', cluster!.seed, ...auth, '--masters', '--', 'ECHO', '-dash-'])
      assert.equal(table.status, 0, table.stderr)
      assert.match(table.stdout, /^NODE\s+ROLE\s+REPLY$/m)
      assert.equal(table.stdout.match(/master\s+-dash-$/gm)?.length, 3, table.stdout)
    })

    it('exits 1 when a node answers with an error, and 2 for --masters with --replicas', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['call', cluster!.seed, 'NO-SUCH-COMMAND', ...auth, '--json'])
      assert.equal(result.status, 1, result.stderr)
      const json = jsonOf<CallJson>(result)
      assert.equal(json.errors, 3)
      for (const reply of json.results) assert.match(reply.error ?? '', /unknown command/i)
      const replicasOnly = await runCli(['call', cluster!.seed, 'PING', '--replicas', ...auth, '--json'])
      assert.equal(replicasOnly.status, 0)
      assert.deepEqual(jsonOf<CallJson>(replicasOnly).results, [])
      const both = await runCli(['call', cluster!.seed, 'PING', '--masters', '--replicas', ...auth])
      assert.equal(both.status, 2)
      assert.match(both.stderr, /--replicas/)
    })
  })
}

describe('call over IPv6 loopback', () => {
  let cluster: TestCluster | undefined
  before(async () => {
    if (redisServerAvailable()) cluster = await startCluster({hosts: ['::1'], masters: 3, password: PASSWORD})
  })
  after(() => cluster?.close())

  it('reaches [::1]:PORT seeds and the IPv6 peers they list', async (t) => {
    if (!requireRedisServer(t)) return
    const seed = `[::1]:${cluster!.masters[0]!.port}`
    const result = await runCli(['call', seed, 'PING', ...auth, '--json'])
    assert.equal(result.status, 0, result.stderr)
    const addresses = jsonOf<CallJson>(result).results.map((r) => r.address)
    assert.equal(addresses.length, 3)
    for (const address of addresses) assert.match(address, /^\[::1\]:\d+$/)
  })
})
