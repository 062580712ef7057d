/**
 * `slotctl rebalance` per engine: three masters with keys and a fourth, empty one joined with a raw CLUSTER
 * MEET. Refusals change nothing; --dry-run shows the balance; --use-empty-masters --yes brings every master
 * within 2% of its share with every key intact and redis-cli's check clean; a second run has nothing to do.
 * Then --by keys on a fresh cluster whose keys crowd into one master's slots: each master ends within 10% of a
 * third of the keys (or as near as its biggest slot allows), every key intact.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {capabilitiesOf, parseServerIdentity} from '../../src/cluster/capabilities/index.js'
import {parseInfo} from '../../src/cluster/info.js'
import {keyHashSlot} from '../../src/cluster/keyslot.js'
import {parseClusterNodes} from '../../src/cluster/nodes.js'
import {countSlots, slotsOf} from '../../src/cluster/slots.js'
import {type CliResult, jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {
  clusterNodesOf,
  type Engine,
  judge,
  type TestClusterOf,
  type TestNode,
  withClient,
} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, waitFor} from '../helpers/servers.js'
import {checksum, seedKeys} from './reshard-support.js'

type Balance = {after: number; before: number; id: string; share: number; tolerance: number}
type RebalanceJson = {
  balance: Balance[]
  balanced?: boolean
  keysMoved?: number
  plan?: unknown
  seconds?: number
  slotsMoved?: number
  unit: 'keys' | 'slots'
}
const errorOf = (result: CliResult) =>
  jsonOf<{error: {code: string; message: string; suggestions: string[]}}>(result).error

/** The nodes that are masters now: a master emptied of its last slot may turn into a replica. */
async function mastersOf(nodes: readonly TestNode[]): Promise<TestNode[]> {
  const views = await Promise.all(nodes.map((node) => clusterNodesOf(node)))
  return nodes.filter((_, i) =>
    parseClusterNodes(views[i]!).some((l) => l.flags.includes('myself') && l.role === 'master'),
  )
}

/** Slots each master says it owns, by address. */
async function slotCounts(nodes: readonly TestNode[]): Promise<Map<string, number>> {
  const views = await Promise.all(nodes.map((node) => clusterNodesOf(node)))
  return new Map(
    nodes.map((node, i) => [
      node.address,
      countSlots(parseClusterNodes(views[i]!).find((l) => l.flags.includes('myself'))!.slots),
    ]),
  )
}

/** Each master's keys (DBSIZE) and the most keys any one slot it owns holds (COUNTKEYSINSLOT per slot). */
async function keysOf(nodes: readonly TestNode[]): Promise<{largest: number; perMaster: number[]}> {
  const counted = await Promise.all(
    nodes.map((node) =>
      withClient(node, async (client) => {
        const self = parseClusterNodes(String(await client.call('CLUSTER', 'NODES'))).find((l) => l.flags.includes('myself'))!
        const pipeline = client.pipeline()
        for (const slot of slotsOf(self.slots)) pipeline.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot))
        const replies = (await pipeline.exec()) ?? []
        return {keys: await client.dbsize(), largest: Math.max(0, ...replies.map(([, n]) => Number(n)))}
      }),
    ),
  )
  return {largest: Math.max(...counted.map((c) => c.largest)), perMaster: counted.map((c) => c.keys)}
}

/** Writes `perTag` keys for each of `tags` hash tags whose slot `node` owns, straight to it. */
async function crowdInto(node: TestNode, tags: number, perTag: number): Promise<void> {
  await withClient(node, async (client) => {
    const self = parseClusterNodes(String(await client.call('CLUSTER', 'NODES'))).find((l) => l.flags.includes('myself'))!
    const owned = new Set(slotsOf(self.slots))
    const pipeline = client.pipeline()
    for (let n = 0, written = 0; written < tags; n++) {
      if (!owned.has(keyHashSlot(`{crowd${n}}`))) continue
      for (let i = 0; i < perTag; i++) pipeline.set(`{crowd${n}}:${i}`, `${n}.${i}`)
      written++
    }

    await pipeline.exec()
  })
}

/** The rebalance scenarios on one engine (one test file per engine keeps each file under a minute). */
export function rebalanceScenarios(engine: Engine): void {
  describe(`rebalance --by keys on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3})
      await seedKeys(cluster.masters[0]!, 6000)
      await crowdInto(cluster.masters[0]!, 300, 20)
    })
    after(async () => {
      await cluster?.close()
    })

    it('refuses a bad --by (exit 2, naming the flag)', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['rebalance', cluster!.seed, '--by', 'bytes', '--yes', '--json'])
      assert.equal(result.status, 2, result.stderr)
      assert.match(`${result.stdout}${result.stderr}`, /--by/)
    })

    it('--by keys --threshold 10: each master within 10% of a third of the keys, every key intact, check clean', async (t) => {
      if (!requireRedisServer(t)) return
      const nodes = cluster!.masters
      const keysBefore = await checksum(nodes)
      const before = await keysOf(nodes)
      const total = before.perMaster.reduce((sum, n) => sum + n, 0)
      // Whole slots move: a master may miss the tolerance by at most the keys of the biggest slot (20-odd here).
      const bound = Math.max(Math.floor((Math.floor(total / 3) * 10) / 100), before.largest) + 1
      assert.ok(before.perMaster[0]! - total / 3 > bound, `not skewed: ${before.perMaster.join(', ')}`)
      // Without --json, a note says where keys are counted slot by slot (servers without CLUSTER SLOT-STATS).
      const info = await withClient(nodes[0]!, async (client) => String(await client.info('server')))
      const slotByslot = !capabilitiesOf(parseServerIdentity(parseInfo(info))).slotStats
      const dry = await runCli(['rebalance', cluster!.seed, '--by', 'keys', '--threshold', '10', '--dry-run'])
      assert.equal(dry.status, 0, dry.stderr)
      assert.equal(/counted slot by slot with COUNTKEYSINSLOT/.test(dry.stderr), slotByslot, dry.stderr)
      assert.match(dry.stdout, /KEYS NOW/)

      const result = await runCli(['rebalance', cluster!.seed, '--by', 'keys', '--threshold', '10', '--yes', '--json'], {
        cwd: scratchDir(t),
      })
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<RebalanceJson>(result)
      assert.equal(json.unit, 'keys')
      const now = await keysOf(nodes)
      t.diagnostic(`keys per master ${before.perMaster.join('/')} -> ${now.perMaster.join('/')} in ${json.seconds}s`)
      for (const keys of now.perMaster) assert.ok(Math.abs(keys - total / 3) <= bound, `${now.perMaster.join(', ')}`)
      assert.deepEqual(
        json.balance.map((m) => m.after).sort((a, b) => a - b),
        [...now.perMaster].sort((a, b) => a - b),
      )
      assert.deepEqual(await checksum(nodes), keysBefore)
      const verdict = await judge(cluster!.seed)
      assert.equal(verdict.status, 0, verdict.output)
    })
  })

  describe(`rebalance on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    let empty: TestNode | undefined
    let all: TestNode[] = []
    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3})
      await seedKeys(cluster.masters[0]!, 8000)
      empty = await engine.startNode()
      all = [...cluster.masters, empty]
      const seed = cluster.masters[0]!
      await withClient(empty, (client) => client.call('CLUSTER', 'MEET', seed.host, String(seed.port)))
      await waitFor('every node to know the new master and cluster_state:ok', async () => {
        const views = await Promise.all(all.map((node) => clusterNodesOf(node)))
        const infos = await Promise.all(all.map((node) => withClient(node, (c) => c.call('CLUSTER', 'INFO'))))
        return (
          views.every((view) => parseClusterNodes(view).filter((l) => !l.flags.includes('handshake')).length === 4) &&
          infos.every((info) => String(info).includes('cluster_state:ok'))
        )
      })
    })
    after(async () => {
      await Promise.all([cluster?.close(), empty?.stop()])
    })

    it('refuses without a terminal and without --yes (exit 2, naming --yes), and bad flags (exit 2); nothing moves', async (t) => {
      if (!requireRedisServer(t)) return
      const before = await slotCounts(all)
      const unconfirmed = await runCli(['rebalance', cluster!.seed, '--use-empty-masters'])
      assert.equal(unconfirmed.status, 2, unconfirmed.stderr)
      assert.match(unconfirmed.stderr, /--yes/)
      const badWeight = await runCli(['rebalance', cluster!.seed, '--weight', 'ffffffff=1', '--yes', '--json'])
      assert.equal(badWeight.status, 2, badWeight.stderr)
      assert.match(errorOf(badWeight).message, /--weight ffffffff/)
      const badThreshold = await runCli(['rebalance', cluster!.seed, '--threshold', 'lots', '--yes', '--json'])
      assert.equal(badThreshold.status, 2, badThreshold.stderr)
      assert.equal(errorOf(badThreshold).code, 'BAD_THRESHOLD')
      assert.deepEqual(await slotCounts(all), before)
    })

    it('refuses a cluster with an open slot (exit 1), naming the slot and fix', async (t) => {
      if (!requireRedisServer(t)) return
      const owner = cluster!.masters[0]!
      const otherId = await withClient(cluster!.masters[1]!, async (c) => String(await c.call('CLUSTER', 'MYID')))
      await withClient(owner, (c) => c.call('CLUSTER', 'SETSLOT', '7', 'MIGRATING', otherId))
      try {
        const result = await runCli(['rebalance', cluster!.seed, '--use-empty-masters', '--yes', '--json'])
        assert.equal(result.status, 1, result.stderr)
        assert.match(errorOf(result).message, /OPEN_SLOT: slot 7 open/)
        assert.match(errorOf(result).suggestions.join('\n'), /slotctl fix/)
      } finally {
        await withClient(owner, (c) => c.call('CLUSTER', 'SETSLOT', '7', 'STABLE'))
      }
    })

    it('--dry-run shows each master within its share after the plan, and changes nothing', async (t) => {
      if (!requireRedisServer(t)) return
      const before = await slotCounts(all)
      const result = await runCli(['rebalance', cluster!.seed, '--use-empty-masters', '--dry-run', '--json'])
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<RebalanceJson>(result)
      assert.equal(json.balance.length, 4)
      for (const master of json.balance) assert.ok(Math.abs(master.after - master.share) <= master.tolerance)
      assert.ok(json.plan)
      assert.deepEqual(await slotCounts(all), before)
    })

    it('--use-empty-masters --yes: every master within 2% of a quarter, every key intact, redis-cli check clean', async (t) => {
      if (!requireRedisServer(t)) return
      const keysBefore = await checksum(await mastersOf(all))
      const cwd = scratchDir(t)
      const result = await runCli(['rebalance', cluster!.seed, '--use-empty-masters', '--yes', '--json'], {cwd})
      assert.equal(result.status, 0, result.stderr)
      const json = jsonOf<RebalanceJson>(result)
      assert.ok((json.slotsMoved ?? 0) > 3900 && (json.keysMoved ?? 0) > 1500, JSON.stringify(json))
      for (const [address, slots] of await slotCounts(all))
        assert.ok(Math.abs(slots - 4096) <= 81, `${address} holds ${slots} slots`)
      assert.deepEqual(await checksum(await mastersOf(all)), keysBefore)
      const verdict = await judge(cluster!.seed)
      assert.equal(verdict.status, 0, verdict.output)
      const again = await runCli(['rebalance', cluster!.seed, '--use-empty-masters', '--yes', '--json'], {cwd})
      assert.equal(again.status, 0, again.stderr)
      assert.equal(jsonOf<RebalanceJson>(again).balanced, true)
    })

    it('--weight NODE=0 empties a master, by host:port, keys intact', async (t) => {
      if (!requireRedisServer(t)) return
      const keysBefore = await checksum(await mastersOf(all))
      const drained = cluster!.masters[1]!
      const result = await runCli(['rebalance', cluster!.seed, '--weight', `${drained.address}=0`, '--yes', '--json'], {
        cwd: scratchDir(t),
      })
      assert.equal(result.status, 0, result.stderr)
      const counts = await slotCounts(all)
      assert.equal(counts.get(drained.address), 0)
      for (const [address, slots] of counts)
        if (address !== drained.address) assert.ok(Math.abs(slots - 5461) <= 110, `${address}: ${slots}`)
      assert.deepEqual(await checksum(await mastersOf(all)), keysBefore)
      const verdict = await judge(cluster!.seed)
      assert.equal(verdict.status, 0, verdict.output)
    })
  })
}
