/**
 * `slotctl fix` scenarios, one broken state each, built with raw CLUSTER commands on one slot with keys in
 * it, on a 3-master cluster of one engine. After `fix --yes` every key and value is still there, the slot
 * works, and redis-cli's check is clean. Each scenario breaks its own slot, so they share one cluster.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import type {Redis} from 'ioredis'

import {keyHashSlot} from '../../src/cluster/keyslot.js'
import {type CliResult, jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {type Engine, judge, type TestClusterOf, type TestNode, withClient} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, waitFor} from '../helpers/servers.js'
import {parseClusterNodes} from '../../src/cluster/nodes.js'

type FixJson = {conflicts?: Array<{key: string; slot: number}>; diagnoses: Array<{action: string; problem: string}>}
const errorOf = (result: CliResult) => jsonOf<{error: {code: string; message: string}}>(result).error

/** `count` key names that hash to `slot` (one hash tag found by search, then numbered). */
function keysFor(slot: number, count: number): string[] {
  let tag = 0
  while (keyHashSlot(`t${tag}`) !== slot) tag++
  return Array.from({length: count}, (_, i) => `{t${tag}}:${i}`)
}

const call = (node: TestNode, ...args: Array<number | string>) =>
  withClient(node, (client) => client.call(String(args[0]), ...args.slice(1).map(String)))

/** Writes keys on a node that is importing their slot, as a migration would (ASKING). */
async function writeAsking(node: TestNode, keys: readonly string[], value: string): Promise<void> {
  await withClient(node, async (client: Redis) => {
    for (const key of keys) {
      // eslint-disable-next-line no-await-in-loop
      await client.pipeline().call('ASKING').set(key, value).exec()
    }
  })
}

/**
 * Every `key=value` on every master, stray copies included (a plain GET would be redirected): slots a node
 * holds keys in without owning or importing them are set IMPORTING for the read and STABLE again.
 */
async function everyKey(nodes: readonly TestNode[]): Promise<string[]> {
  const entries = await Promise.all(
    nodes.map((node) =>
      withClient(node, async (client) => {
        const self = parseClusterNodes(String(await client.call('CLUSTER', 'NODES'))).find((l) =>
          l.flags.includes('myself'),
        )!
        const other = parseClusterNodes(String(await client.call('CLUSTER', 'NODES'))).find((l) => l.id !== self.id)!
        const keys = (await client.keys('*')).filter((key) => !key.startsWith('counter:'))
        const open = new Set([...self.importing, ...self.migrating].map((t) => t.slot))
        const owned = (slot: number) => self.slots.some((r) => r.start <= slot && slot <= r.end)
        const closed = [...new Set(keys.map((k) => keyHashSlot(k)))].filter((slot) => !owned(slot) && !open.has(slot))
        for (const slot of closed) await client.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', other.id)
        const values = await Promise.all(
          keys.map(async (key) => {
            const [error, value] = (await client.pipeline().call('ASKING').get(key).exec())![1]!
            if (error) throw error
            return value
          }),
        )
        for (const slot of closed) await client.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE')
        return keys.map((key, i) => `${key}=${String(values[i])}`)
      }),
    ),
  )
  return entries.flat().sort()
}

export function fixScenarios(engine: Engine): void {
  describe(`fix on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    let ids: string[] = []
    const node = (i: number) => cluster!.masters[i]!
    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3})
      ids = await Promise.all(cluster.masters.map(async (m) => String(await call(m, 'CLUSTER', 'MYID'))))
    })
    after(() => cluster?.close())

    /** Runs fix --yes --json (`known`: the keys, read before the cluster went down) and checks: exit 0, every key and value as before, redis-cli check clean. */
    async function fixAndJudge(extra: string[] = [], known?: string[]): Promise<FixJson> {
      const before = known ?? (await everyKey(cluster!.masters))
      const result = await runCli(['fix', cluster!.seed, '--yes', '--json', ...extra])
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`)
      assert.deepEqual(await everyKey(cluster!.masters), before)
      const verdict = await judge(cluster!.seed)
      assert.equal(verdict.status, 0, verdict.output)
      return jsonOf<FixJson>(result)
    }

    /** Every key reads back through a cluster-aware path: the owner serves it. */
    async function servedBy(owner: TestNode, keys: readonly string[]): Promise<void> {
      await waitFor('the owner to serve every key', async () =>
        withClient(owner, async (client) =>
          (await Promise.all(keys.map((k) => client.exists(k)))).every((n) => n === 1),
        ),
      )
    }

    it('refuses without a terminal and without --yes (exit 2), and --dry-run changes nothing', async (t) => {
      if (!requireRedisServer(t)) return
      const [key] = keysFor(100, 1)
      await call(node(0), 'SET', key!, 'v')
      await call(node(0), 'CLUSTER', 'SETSLOT', 100, 'MIGRATING', ids[1]!)
      const refused = await runCli(['fix', cluster!.seed])
      assert.equal(refused.status, 2, refused.stderr)
      assert.match(refused.stderr, /--yes/)
      const dry = await runCli(['fix', cluster!.seed, '--dry-run', '--json'])
      assert.equal(dry.status, 0, dry.stderr)
      assert.match(jsonOf<FixJson>(dry).diagnoses[0]!.problem, /migrating on/)
      assert.match(String(await call(node(0), 'CLUSTER', 'NODES')), /\[100->-/)
    })

    it('a slot migrating on its owner only: closed, keys stay', async (t) => {
      if (!requireRedisServer(t)) return
      await fixAndJudge()
      await servedBy(node(0), keysFor(100, 1))
    })

    it('a slot importing on another node only, with keys there: keys join the owner', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(200, 6)
      for (const key of keys.slice(0, 3)) await call(node(0), 'SET', key, 'owner')
      await call(node(1), 'CLUSTER', 'SETSLOT', 200, 'IMPORTING', ids[0]!)
      await writeAsking(node(1), keys.slice(3), 'importer')
      await fixAndJudge()
      await servedBy(node(0), keys)
    })

    it('migrating and importing, half moved with keys on both sides: the move is finished', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(300, 10)
      for (const key of keys) await call(node(0), 'SET', key, 'v')
      await call(node(1), 'CLUSTER', 'SETSLOT', 300, 'IMPORTING', ids[0]!)
      await call(node(0), 'CLUSTER', 'SETSLOT', 300, 'MIGRATING', ids[1]!)
      await call(node(0), 'MIGRATE', node(1).host, node(1).port, '', 0, 5000, 'KEYS', ...keys.slice(0, 4))
      const json = await fixAndJudge()
      assert.match(json.diagnoses[0]!.action, /finish the move/)
      await servedBy(node(1), keys)
    })

    it('several nodes importing, keys on the owner: the move to the node it migrates to is finished', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(400, 5)
      for (const key of keys) await call(node(0), 'SET', key, 'v')
      await call(node(1), 'CLUSTER', 'SETSLOT', 400, 'IMPORTING', ids[0]!)
      await call(node(2), 'CLUSTER', 'SETSLOT', 400, 'IMPORTING', ids[0]!)
      await call(node(0), 'CLUSTER', 'SETSLOT', 400, 'MIGRATING', ids[1]!)
      await fixAndJudge()
      await servedBy(node(1), keys)
    })

    it('an open slot whose owner is not among the open nodes: the importer keys go to the owner', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(500, 4)
      await call(node(1), 'CLUSTER', 'SETSLOT', 500, 'IMPORTING', ids[2]!)
      await writeAsking(node(1), keys, 'stray')
      await fixAndJudge()
      await servedBy(node(0), keys)
    })

    it('uncovered slots: none with keys goes to the master with fewest slots, one with keys to its holder', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(11_000, 3)
      for (const key of keys) await call(node(2), 'SET', key, 'v')
      const known = await everyKey(cluster!.masters)
      for (const master of cluster!.masters) await call(master, 'CLUSTER', 'DELSLOTS', 600, 11_000)
      const json = await fixAndJudge([], known)
      assert.equal(json.diagnoses.length, 2)
      await servedBy(node(2), keys)
      assert.match(String(await call(node(1), 'CLUSTER', 'COUNTKEYSINSLOT', 600)), /0/)
    })

    it('an uncovered slot with keys on two nodes: the one with most gets it, a conflicting key is left and reported', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(700, 6)
      for (const key of keys.slice(0, 4)) await call(node(0), 'SET', key, 'most')
      await call(node(1), 'CLUSTER', 'SETSLOT', 700, 'IMPORTING', ids[0]!)
      await writeAsking(node(1), [keys[3]!, keys[4]!, keys[5]!], 'other')
      await call(node(1), 'CLUSTER', 'SETSLOT', 700, 'STABLE')
      const known = await everyKey(cluster!.masters)
      for (const master of cluster!.masters) await call(master, 'CLUSTER', 'DELSLOTS', 700)
      const json = await fixAndJudge([], known)
      assert.deepEqual(
        json.conflicts?.map((c) => c.key),
        [keys[3]],
      )
      assert.equal(String(await call(node(0), 'GET', keys[3]!)), 'most', 'the owner copy is not overwritten')
      await servedBy(node(0), keys)
      // The operator settles the reported key by hand: drop the stray copy, which the owner has anyway.
      await call(node(1), 'CLUSTER', 'SETSLOT', 700, 'IMPORTING', ids[0]!)
      await withClient(node(1), (client) => client.pipeline().call('ASKING').del(keys[3]!).exec())
      await call(node(1), 'CLUSTER', 'SETSLOT', 700, 'STABLE')
    })

    it('keys of a slot held by a non-owner (--search-multiple-owners) join the owner', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(800, 3)
      await call(node(2), 'CLUSTER', 'SETSLOT', 800, 'IMPORTING', ids[0]!)
      await writeAsking(node(2), keys, 'stray')
      await call(node(2), 'CLUSTER', 'SETSLOT', 800, 'STABLE')
      const json = await fixAndJudge(['--search-multiple-owners'])
      assert.match(json.diagnoses[0]!.problem, /do not own it/)
      await servedBy(node(0), keys)
      const check = await runCli(['check', cluster!.seed, '--search-multiple-owners', '--json'])
      assert.equal(check.status, 0, check.stdout)
    })

    it('masters disagreeing about an owner: the owner claim wins with a new epoch', async (t) => {
      if (!requireRedisServer(t)) return
      const keys = keysFor(900, 2)
      for (const key of keys) await call(node(0), 'SET', key, 'v')
      // Node 2 believes node 1 owns slot 900, and node 1 wins on epoch, so gossip alone would not settle it.
      await call(node(1), 'CLUSTER', 'BUMPEPOCH')
      await call(node(2), 'CLUSTER', 'SETSLOT', 900, 'NODE', ids[1]!)
      await fixAndJudge()
      await servedBy(node(0), keys)
      const view = parseClusterNodes(String(await call(node(2), 'CLUSTER', 'NODES')))
      const owner = view.find((line) => line.slots.some((r) => r.start <= 900 && 900 <= r.end))
      assert.equal(owner?.id, ids[0])
    })

    it('--plan-out saves the repair and changes nothing; apply runs it only while fix would still make it', async (t) => {
      if (!requireRedisServer(t)) return
      const file = join(scratchDir(t), 'repair.json')
      const keys = keysFor(1000, 5)
      for (const key of keys) await call(node(0), 'SET', key, 'v')
      await call(node(1), 'CLUSTER', 'SETSLOT', 1000, 'IMPORTING', ids[0]!)
      await call(node(0), 'CLUSTER', 'SETSLOT', 1000, 'MIGRATING', ids[1]!)
      await call(node(0), 'MIGRATE', node(1).host, node(1).port, '', 0, 5000, 'KEYS', ...keys.slice(0, 2))
      const known = await everyKey(cluster!.masters)
      const saved = await runCli(['fix', cluster!.seed, '--plan-out', file, '--json'])
      assert.equal(saved.status, 0, saved.stderr)
      assert.equal(jsonOf<{planFile: string}>(saved).planFile, file)
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as {kind: string}).kind, 'fix')
      assert.match(String(await call(node(0), 'CLUSTER', 'NODES')), /\[1000->-/, 'nothing changed')

      // The importing marker gone: the fingerprint cannot see it, the repair fix would make now differs.
      await call(node(1), 'CLUSTER', 'SETSLOT', 1000, 'STABLE')
      const stale = await runCli(['apply', file, '--yes', '--json'])
      assert.equal(stale.status, 1, stale.stderr)
      assert.equal(errorOf(stale).code, 'STALE_PLAN')
      assert.match(errorOf(stale).message, /no longer needed: move slots 1000/)
      await call(node(1), 'CLUSTER', 'SETSLOT', 1000, 'IMPORTING', ids[0]!)

      const resumed = await runCli(['apply', file, '--resume', '--yes', '--json'])
      assert.equal(resumed.status, 2, resumed.stderr)
      assert.equal(errorOf(resumed).code, 'NOT_RESUMABLE')
      const applied = await runCli(['apply', file, '--yes', '--json'])
      assert.equal(applied.status, 0, `${applied.stdout}\n${applied.stderr}`)
      assert.equal(jsonOf<{healthy: boolean; kind: string}>(applied).healthy, true)
      assert.deepEqual(await everyKey(cluster!.masters), known)
      const verdict = await judge(cluster!.seed)
      assert.equal(verdict.status, 0, verdict.output)
      await servedBy(node(1), keys)

      const again = await runCli(['apply', file, '--yes', '--json'])
      assert.equal(again.status, 1, again.stderr)
      assert.match(errorOf(again).message, /no slot needs a repair any more/)
    })

    it('refuses to cover slots whose master is gone without --accept-data-loss (exit 1), then covers them', async (t) => {
      if (!requireRedisServer(t)) return
      const gone = node(2)
      await gone.kill()
      const refused = await runCli(['fix', cluster!.seed, '--yes', '--json'])
      assert.equal(refused.status, 1, refused.stderr)
      assert.equal(errorOf(refused).code, 'DATA_LOSS')
      const result = await runCli(['fix', cluster!.seed, '--yes', '--accept-data-loss', '--json'])
      // Still exit 1, honestly: the dead node is a member until del-node removes it; nothing else is left.
      assert.equal(result.status, 1, result.stderr)
      const left = new Set(jsonOf<{problems: Array<{code: string}>}>(result).problems.map((p) => p.code))
      assert.deepEqual(
        [...left].filter((code) => !['NODE_FAILED', 'NODE_UNREACHABLE', 'NODE_SUSPECTED'].includes(code)),
        [],
      )
      const info = String(await call(node(0), 'CLUSTER', 'INFO'))
      assert.match(info, /cluster_slots_assigned:16384/)
    })
  })
}
