import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {Cluster} from 'ioredis'

import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {jsonOf, runCli} from '../helpers/cli.js'
import {redisCli, redisServerAvailable, referenceCheck, startRedisServer, waitFor} from '../helpers/servers.js'

type CheckJson = {healthy: boolean; nodes: Array<{id: string}>; problems: Array<{code: string; message: string}>}
type InfoJson = {masters: Array<{address: string; keys: number}>; totals: {keys: number}}

const check = async (seed: string) => {
  const result = await runCli(['check', seed, '--json'])
  return {json: jsonOf<CheckJson>(result), status: result.status}
}

/** Both verdicts on the same cluster state: slotctl's and redis-cli's. */
async function verdicts(seed: string) {
  const ours = await check(seed)
  return {codes: ours.json.problems.map((p) => p.code), ours, reference: referenceCheck(seed)}
}

describe('check and info on a real 3+3 cluster', {skip: !redisServerAvailable() && !process.env.CI}, () => {
  let cluster: TestCluster
  let ids: string[]

  before(async () => {
    cluster = await startCluster({masters: 3, replicas: 1})
    ids = await Promise.all(cluster.masters.map((node) => cluster.nodeId(node)))
    const client = new Cluster([{host: cluster.masters[0]!.host, port: cluster.masters[0]!.port}])
    await Promise.all(Array.from({length: 500}, (_, i) => client.set(`key:${i}`, `value:${i}`)))
    client.disconnect()
  })
  after(() => cluster?.close())

  it('agrees with redis-cli that a healthy cluster is healthy', async () => {
    const {ours, reference} = await verdicts(cluster.seed)
    assert.equal(reference.status, 0, reference.output)
    assert.equal(ours.status, 0)
    assert.deepEqual(ours.json.problems, [])
    assert.equal(ours.json.nodes.length, 6)
  })

  it('prints the masters table and a one-line verdict for people', async () => {
    const result = await runCli(['check', cluster.seed])
    assert.equal(result.status, 0)
    assert.match(result.stdout, /^MASTER\s+ID\s+SLOTS\s+RANGES\s+KEYS\s+REPLICAS$/m)
    assert.match(result.stdout, /✔ healthy: 3 masters, 3 replicas, 16384\/16384 slots, 500 keys$/m)
  })

  it('prints the same on the express lane as through oclif, for people and for scripts', async () => {
    // Memory in use moves with every connection, so info is compared without it.
    const withoutMemory = (output: string) => output.replaceAll(/"usedMemory": \d+/g, '"usedMemory": 0')
    for (const words of [
      ['check', cluster.seed],
      ['info', cluster.seed, '--json'],
      ['keyslot', 'key:1', cluster.seed],
    ]) {
      const [express, oclif] = await Promise.all([runCli(words), runCli(words, {env: {SLOTCTL_EXPRESS: '0'}})])
      assert.equal(express.status, 0, express.stderr)
      assert.deepEqual(
        [withoutMemory(express.stdout), express.stderr],
        [withoutMemory(oclif.stdout), oclif.stderr],
        words.join(' '),
      )
    }
  })

  it('sums keys in info exactly as DBSIZE over the masters', async () => {
    const result = await runCli(['info', cluster.seed, '--json'])
    assert.equal(result.status, 0)
    const info = jsonOf<InfoJson>(result)
    const dbsizes = await Promise.all(cluster.masters.map((node) => cluster.with(node, (c) => c.dbsize())))
    assert.equal(
      info.totals.keys,
      dbsizes.reduce((a, b) => a + b, 0),
    )
    assert.equal(info.totals.keys, 500)
    assert.equal(info.masters.length, 3)
  })

  it('agrees with redis-cli about a slot left migrating, and names it', async () => {
    await cluster.with(cluster.masters[0]!, (c) => c.call('CLUSTER', 'SETSLOT', 100, 'MIGRATING', ids[1]!))
    const {codes, ours, reference} = await verdicts(cluster.seed)
    assert.equal(reference.status, 1)
    assert.match(reference.output, /migrating state 100/)
    assert.equal(ours.status, 1)
    assert.deepEqual(codes, ['OPEN_SLOT'])
    assert.match(ours.json.problems[0]!.message, /slot 100 open: migrating on/)
    await cluster.with(cluster.masters[0]!, (c) => c.call('CLUSTER', 'SETSLOT', 100, 'STABLE'))
  })

  it('agrees with redis-cli about a slot left importing', async () => {
    await cluster.with(cluster.masters[1]!, (c) => c.call('CLUSTER', 'SETSLOT', 200, 'IMPORTING', ids[0]!))
    const {codes, ours, reference} = await verdicts(cluster.seed)
    assert.equal(reference.status, 1)
    assert.match(reference.output, /importing state 200/)
    assert.deepEqual(codes, ['OPEN_SLOT'])
    assert.match(ours.json.problems[0]!.message, /slot 200 open: importing on/)
    await cluster.with(cluster.masters[1]!, (c) => c.call('CLUSTER', 'SETSLOT', 200, 'STABLE'))
  })

  it('agrees with redis-cli about an uncovered slot', async () => {
    await cluster.with(cluster.masters[2]!, (c) => c.call('CLUSTER', 'DELSLOTS', 16_000))
    const {codes, ours, reference} = await verdicts(cluster.masters[2]!.address)
    assert.equal(reference.status, 1)
    assert.match(reference.output, /Not all 16384 slots are covered/)
    assert.equal(ours.status, 1)
    assert.ok(codes.includes('UNCOVERED_SLOTS'), codes.join())
    assert.match(ours.json.problems.find((p) => p.code === 'UNCOVERED_SLOTS')!.message, /slot 16000 not covered/)
    await cluster.with(cluster.masters[2]!, (c) => c.call('CLUSTER', 'ADDSLOTS', 16_000))
    await waitFor('the cluster to be healthy again', async () => (await check(cluster.seed)).status === 0)
  })

  it('with --search-multiple-owners, finds keys a non-owner holds, as redis-cli does', async () => {
    // Plant a key of slot 12182 ("foo", owned by the third master) on the first master, as a half-done
    // migration would leave it: IMPORTING lets ASKING write there, then the slot is closed again.
    const [owner, stranger] = [cluster.masters[2]!, cluster.masters[0]!]
    await cluster.with(stranger, async (c) => {
      await c.call('CLUSTER', 'SETSLOT', 12_182, 'IMPORTING', ids[2]!)
      await c.call('ASKING')
      await c.call('SET', 'foo', 'stray')
      await c.call('CLUSTER', 'SETSLOT', 12_182, 'STABLE')
    })
    const plain = await check(cluster.seed)
    assert.equal(plain.status, 0, 'without the search, the stray key is invisible')
    const result = await runCli(['check', cluster.seed, '--search-multiple-owners', '--json'])
    const problems = jsonOf<CheckJson>(result).problems
    assert.equal(result.status, 1)
    assert.deepEqual(
      problems.map((p) => p.code),
      ['MULTIPLE_OWNERS'],
    )
    assert.match(
      problems[0]!.message,
      new RegExp(`slot 12182 has 2 owners.*${owner.port}|slot 12182 has 2 owners.*${stranger.port}`),
    )
    const reference = redisCli(['--cluster', 'check', cluster.seed, '--cluster-search-multiple-owners'])
    assert.match(reference.output, /Slot 12182 has 2 owners/)
    await cluster.with(stranger, async (c) => {
      await c.call('CLUSTER', 'SETSLOT', 12_182, 'IMPORTING', ids[2]!)
      await c.call('ASKING')
      await c.call('DEL', 'foo')
      await c.call('CLUSTER', 'SETSLOT', 12_182, 'STABLE')
    })
  })

  it('reports a failed master whose replica took over, where redis-cli sees nothing wrong', async () => {
    const seed = cluster.masters[1]!.address
    cluster.masters[0]!.kill()
    await waitFor(
      'the replica to take over',
      async () => {
        const {codes, reference} = await verdicts(seed)
        return reference.status === 0 && codes.includes('NODE_FAILED')
      },
      30_000,
    )
    const {codes, ours} = await verdicts(seed)
    assert.equal(ours.status, 1)
    assert.ok(codes.includes('NODE_FAILED') && codes.includes('NODE_UNREACHABLE'), codes.join())
    assert.ok(!codes.includes('UNCOVERED_SLOTS'))
  })
})

describe(
  'check refuses bad input with the contract exit code and one line',
  {skip: !redisServerAvailable() && !process.env.CI},
  () => {
    it('malformed address: exit 2, names the address', async () => {
      const result = await runCli(['check', 'localhost'])
      assert.equal(result.status, 2)
      assert.match(result.stderr, /"localhost" is not a node address/)
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
    })

    it('closed port: exit 3, says connection refused', async () => {
      const result = await runCli(['check', '127.0.0.1:1'])
      assert.equal(result.status, 3)
      assert.match(result.stderr, /cannot connect to 127\.0\.0\.1:1: connection refused/)
    })

    it('a node that is not in cluster mode: exit 2, says so', async (t) => {
      const server = await startRedisServer({cluster: false})
      t.after(() => server.stop())
      const result = await runCli(['check', server.address, '--json'])
      assert.equal(result.status, 2)
      assert.match(jsonOf<{error: {message: string}}>(result).error.message, /is not a cluster node/)
    })

    it('wrong password and missing password: exit 3, and the password never appears', async (t) => {
      const server = await startRedisServer({password: 's3cret-pw'})
      t.after(() => server.stop())
      const wrong = await runCli(['check', server.address, '--password', 'not-the-s3cret'])
      assert.equal(wrong.status, 3)
      assert.match(wrong.stderr, /refused the credentials/)
      assert.doesNotMatch(wrong.stdout + wrong.stderr, /s3cret/)
      const missing = await runCli(['check', server.address])
      assert.equal(missing.status, 3)
      assert.match(missing.stderr, /requires a password|refused the request/)
      const right = await runCli(['check', server.address, '--json'], {env: {REDISCLI_AUTH: 's3cret-pw'}})
      assert.doesNotMatch(right.stdout + right.stderr, /s3cret/)
      assert.ok([0, 1].includes(right.status), right.stderr)
    })
  },
)
