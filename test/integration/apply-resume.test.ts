import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {jsonOf, runCli, spawnCli} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {redisServerAvailable, referenceCheck, requireRedisServer} from '../helpers/servers.js'
import {checksum, seedKeys} from './reshard-support.js'

type Plan = {steps: Array<{slots: Array<{end: number; start: number}>; to: string}>}

/** Every slot of the plan is owned by its step's target, in the seed's view. */
async function planDone(cluster: TestCluster, file: string): Promise<boolean> {
  const plan = JSON.parse(readFileSync(file, 'utf8')) as Plan
  const nodes = String(await cluster.with(cluster.masters[0]!, (c) => c.call('CLUSTER', 'NODES')))
  const owned = new Map<string, Set<number>>()
  for (const line of nodes.trim().split('\n')) {
    const [id, , , , , , , , ...ranges] = line.split(' ')
    const slots = new Set<number>()
    for (const range of ranges.filter((r) => !r.startsWith('['))) {
      const [start, end = start] = range.split('-').map(Number) as [number, number?]
      for (let slot = start; slot <= end; slot++) slots.add(slot)
    }

    owned.set(id!, slots)
  }

  return plan.steps.every((step) =>
    step.slots.every(({end, start}) =>
      Array.from({length: end - start + 1}, (_, i) => start + i).every((s) => owned.get(step.to)?.has(s)),
    ),
  )
}

describe('kill -9 at any point, then apply --resume', {skip: !redisServerAvailable() && !process.env.CI}, () => {
  let cluster: TestCluster
  let work: string
  let data: {digest: string; keys: number}
  before(async () => {
    cluster = await startCluster({masters: 3, replicas: 0})
    await seedKeys(cluster.masters[0]!, 12_000)
    data = await checksum(cluster.masters)
    work = mkdtempSync(join(tmpdir(), 'slotctl-resume-'))
  })
  after(async () => {
    await cluster?.close()
    if (work) rmSync(work, {force: true, recursive: true})
  })

  // Where the engine kills itself (SLOTCTL_TEST_KILL_AT): while slot states are being set, in the middle of
  // a MIGRATE batch, with keys moved but no SETSLOT NODE sent, and with only the target told the new owner.
  const points = ['importing:2', 'migrating:1', 'batch:20', 'node:2', 'node-target:2']
  for (const [round, point] of points.entries()) {
    it(`completes the plan with nothing lost after a crash at ${point}`, async (t) => {
      if (!requireRedisServer(t)) return
      const file = join(work, `plan-${round}.json`)
      const target = cluster.masters[round % 3]!.address
      const planned = await runCli([
        'reshard',
        cluster.seed,
        '--from',
        'all',
        '--to',
        target,
        '--slots',
        '700',
        '--plan-out',
        file,
      ])
      assert.equal(planned.status, 0, planned.stderr)
      const crashed = await runCli(['apply', file, '--yes'], {env: {SLOTCTL_TEST_KILL_AT: point}})
      assert.equal(crashed.status, 128, `the run was to be killed at ${point}: ${crashed.stdout}${crashed.stderr}`)
      assert.equal(await planDone(cluster, file), false)
      if (round === 0) {
        const again = await runCli(['apply', file, '--yes'])
        assert.equal(again.status, 2, 'a started plan is not applied again from the start')
        assert.match(again.stderr, /--resume/)
      }

      const resumed = await runCli(['apply', file, '--resume', '--yes', '--json'])
      assert.equal(resumed.status, 0, resumed.stderr)
      assert.equal(jsonOf<{stopped: boolean}>(resumed).stopped, false)
      assert.ok(await planDone(cluster, file), 'every slot of the plan is on its target')
      const verdict = referenceCheck(cluster.seed)
      assert.equal(verdict.status, 0, verdict.output)
      assert.deepEqual(await checksum(cluster.masters), data)
      if (round === 0) {
        const twice = await runCli(['apply', file, '--resume', '--yes'])
        assert.equal(twice.status, 0)
        assert.match(twice.stdout, /already finished/)
      }
    })
  }

  it('stops cleanly on Ctrl-C (exit 130, says how to continue), and the resume finishes the run', async (t) => {
    if (!requireRedisServer(t)) return
    const child = spawnCli(
      ['reshard', cluster.seed, '--from', 'all', '--to', cluster.masters[1]!.address, '--slots', '6000', '--yes'],
      {cwd: work},
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (/Plan saved to/.test(stderr) && !child.killed) setTimeout(() => child.kill('SIGINT'), 300)
    })
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(status, 130, `${stdout}${stderr}`)
    const file = /Continue with: slotctl apply (\S+) --resume/.exec(stdout)?.[1]
    assert.ok(file, stdout)
    const path = join(work, file)
    const resumed = await runCli(['apply', path, '--resume', '--yes'])
    assert.equal(resumed.status, 0, resumed.stderr)
    assert.ok(await planDone(cluster, path))
    const verdict = referenceCheck(cluster.seed)
    assert.equal(verdict.status, 0, verdict.output)
    assert.deepEqual(await checksum(cluster.masters), data)
  })
})
