import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {redisServerAvailable, referenceCheck, requireRedisServer, waitFor} from '../helpers/servers.js'
import {checksum, seedKeys} from './reshard-support.js'

type Summary = {keysMoved: number; keysPerSecond: number; seconds: number; slotsMoved: number; stopped: boolean}

/** What each node says it owns: changes when anything moved. */
async function owners(cluster: TestCluster): Promise<string> {
  const views = await Promise.all(cluster.masters.map((node) => cluster.with(node, (c) => c.call('CLUSTER', 'NODES'))))
  return views
    .map((view) =>
      String(view)
        .split('\n')
        .filter((l) => l.includes('myself'))
        .map((l) => l.split(' ').slice(8).join(' ')),
    )
    .join('|')
}

describe(
  'reshard on a real 3+3 cluster: ranges, replica migration, plans, refusals',
  {skip: !redisServerAvailable() && !process.env.CI},
  () => {
    let cluster: TestCluster
    let work: string
    before(async () => {
      cluster = await startCluster({masters: 3, replicas: 1})
      await seedKeys(cluster.masters[0]!, 20_000)
      work = mkdtempSync(join(tmpdir(), 'slotctl-reshard-'))
    })
    after(async () => {
      await cluster?.close()
      if (work) rmSync(work, {force: true, recursive: true})
    })

    it('moves an explicit --range, and moving all of a master turns it into a replica without breaking the run', async (t) => {
      if (!requireRedisServer(t)) return
      const before = await checksum(cluster.masters)
      const first = cluster.masters[0]!
      const ranges = String(await cluster.with(first, (c) => c.call('CLUSTER', 'NODES')))
        .split('\n')
        .find((line) => line.includes('myself'))!
        .split(' ')
        .slice(8)
      const result = await runCli(
        [
          'reshard',
          cluster.seed,
          '--to',
          cluster.masters[1]!.address,
          ...ranges.flatMap((r) => ['--range', r]),
          '--yes',
        ],
        {cwd: scratchDir(t)},
      )
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /slots and \d+ keys moved/)
      await cluster.waitHealthy()
      const roles = String(await cluster.with(first, (c) => c.call('ROLE')))
      assert.match(roles, /slave/, 'the emptied master became a replica')
      // The emptied master's change of role (and its replica's move) reaches every node by gossip, after the run.
      let verdict = referenceCheck(cluster.masters[1]!.address)
      await waitFor(
        'the reference check to pass',
        () => (verdict = referenceCheck(cluster.masters[1]!.address)).status === 0,
        30_000,
      ).catch(() => undefined)
      assert.equal(verdict.status, 0, verdict.output)
      assert.deepEqual(await checksum(cluster.masters.slice(1)), before)
    })

    it('writes a plan with --plan-out, applies it once and refuses it the second time', async (t) => {
      if (!requireRedisServer(t)) return
      const seed = cluster.masters[1]!.address
      const file = join(work, 'plan.json')
      const unchanged = await owners(cluster)
      const planned = await runCli([
        'reshard',
        seed,
        '--from',
        'all',
        '--to',
        cluster.masters[2]!.address,
        '--slots',
        '500',
        '--plan-out',
        file,
      ])
      assert.equal(planned.status, 0, planned.stderr)
      assert.equal(await owners(cluster), unchanged, '--plan-out changes nothing')
      const plan = JSON.parse(readFileSync(file, 'utf8'))
      assert.equal(plan.kind, 'reshard')
      assert.equal(plan.estimate.slots, 500)
      assert.ok(plan.estimate.keys > 0)
      assert.ok(plan.fingerprint.nodes.length >= 6)
      const applied = await runCli(['apply', file, '--yes', '--json'])
      assert.equal(applied.status, 0, applied.stderr)
      assert.equal(jsonOf<Summary>(applied).slotsMoved, 500)
      const again = await runCli(['apply', file, '--yes'])
      assert.equal(again.status, 1)
      assert.match(again.stderr, /was made for another state of the cluster/)
      assert.match(again.stderr, /owned slots/)
    })

    it('refuses bad input with exit 2, naming the flag, and changes nothing', async (t) => {
      if (!requireRedisServer(t)) return
      const seed = cluster.masters[1]!.address
      const target = cluster.masters[2]!.address
      const unchanged = await owners(cluster)
      const cases: Array<[string[], RegExp]> = [
        [['--from', 'all', '--slots', '10', '--yes'], /--to is required without a terminal/],
        [['--to', target, '--slots', '10', '--yes'], /--from is required/],
        [['--from', 'all', '--to', target, '--yes'], /--slots is required/],
        [['--from', 'all', '--to', target, '--slots', '20000', '--yes'], /--slots/],
        [['--from', 'all', '--to', '127.0.0.1:1', '--slots', '10', '--yes'], /--to 127\.0\.0\.1:1 is not a node/],
        [['--from', 'all', '--to', target, '--slots', '10'], /--yes/],
        [['--to', target, '--range', '10-5', '--yes'], /"10-5" is not a slot range/],
      ]
      // All at once: each one must refuse before it changes anything.
      const results = await Promise.all(cases.map(([flags]) => runCli(['reshard', seed, ...flags])))
      for (const [i, [flags, message]] of cases.entries()) {
        assert.equal(results[i]!.status, 2, `${flags.join(' ')}: ${results[i]!.stderr}`)
        assert.match(results[i]!.stderr, message)
      }

      assert.equal(await owners(cluster), unchanged)
    })
  },
)
