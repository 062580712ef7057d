/**
 * A create plan saved with `create --dry-run --plan-out` and run later with `apply`: refused when damaged or
 * asked to resume, run on the planned empty nodes (judged by redis-cli --cluster check), and refused once its
 * nodes are no longer as planned. The same on both engines.
 */
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type CliResult, jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {engines, judge, type TestNode, withClient} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const errorOf = (result: CliResult) => jsonOf<{error: {code: string; message: string}}>(result).error

/** CLUSTER INFO's counts on every node: what a create plan changes. */
async function clusterCounts(nodes: readonly TestNode[]): Promise<string[]> {
  return Promise.all(
    nodes.map((node) =>
      withClient(node, async (client) => {
        const info = String(await client.call('CLUSTER', 'INFO'))
        return ['cluster_slots_assigned', 'cluster_known_nodes']
          .map((name) => info.match(`${name}:(\\d+)`)?.[1])
          .join('/')
      }),
    ),
  )
}

for (const engine of engines) {
  describe(`apply of a create plan on ${engine.name}`, () => {
    let nodes: TestNode[] = []
    before(async () => {
      if (redisServerAvailable()) nodes = await Promise.all(Array.from({length: 6}, () => engine.startNode()))
    })
    after(() => Promise.all(nodes.map((node) => node.stop())))

    it('refuses a damaged plan and --resume, runs the plan once, then refuses it as stale', async (t) => {
      if (!requireRedisServer(t)) return
      const dir = scratchDir(t)
      const plan = join(dir, 'create.json')
      const addresses = nodes.map((node) => node.address)
      const dryRun = await runCli(['create', ...addresses, '--replicas', '1', '--dry-run', '--plan-out', plan])
      assert.equal(dryRun.status, 0, dryRun.stderr)
      const untouched = await clusterCounts(nodes)
      assert.deepEqual(
        untouched,
        Array.from({length: 6}, () => '0/1'),
      )

      const saved = JSON.parse(readFileSync(plan, 'utf8')) as {steps: unknown[]}
      const damaged = join(dir, 'damaged.json')
      writeFileSync(damaged, JSON.stringify({...saved, steps: [...saved.steps, {action: 'explode'}]}))
      const refused = await runCli(['apply', damaged, '--yes', '--json'])
      assert.equal(refused.status, 2, refused.stdout)
      assert.equal(errorOf(refused).code, 'BAD_PLAN')
      assert.match(errorOf(refused).message, /damaged\.json is not a slotctl create plan: a step is not a create step/)
      const resumed = await runCli(['apply', plan, '--resume', '--yes', '--json'])
      assert.equal(resumed.status, 2, resumed.stdout)
      assert.equal(errorOf(resumed).code, 'NOT_RESUMABLE')
      assert.deepEqual(await clusterCounts(nodes), untouched, 'refusals change nothing')

      const applied = await runCli(['apply', plan, '--yes', '--json'])
      assert.equal(applied.status, 0, applied.stdout + applied.stderr)
      const result = jsonOf<{created: boolean; kind: string; seed: string}>(applied)
      assert.equal(result.created, true)
      assert.equal(result.kind, 'create')
      const verdict = await judge(result.seed)
      assert.equal(verdict.status, 0, verdict.output)
      assert.match(verdict.output, /\[OK\] All 16384 slots covered/)
      assert.equal(
        verdict.output.match(/slots \| 1 (?:slaves|replicas)\./g)?.length,
        3,
        'three masters with a replica each',
      )

      const again = await runCli(['apply', plan, '--yes', '--json'])
      assert.equal(again.status, 1, again.stdout)
      assert.equal(errorOf(again).code, 'STALE_PLAN')
      assert.match(errorOf(again).message, /no longer fits its nodes \(applied already\?\):\n {2}\S+ owns slots/)
    })
  })
}
