/**
 * The reshard scenario on both engines: real redis-server nodes and embedded nodes. slotctl runs as a child
 * process; the embedded nodes live in this process, so everything here that waits on them is asynchronous.
 */
import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import {slotsOf} from '../../src/cluster/slots.js'
import {type CliResult, jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {startCluster} from '../helpers/cluster.js'
import {
  embeddedEnabled,
  redisServerAvailable,
  referenceCheck,
  requireRedisServer,
  SERVER_NAME,
} from '../helpers/servers.js'
import {createCluster, referenceCheck as referenceCheckAsync, startNodes} from './embedded/embedded-nodes.js'
import {checksum, incrementThroughout, type Node, probeAskedServes, seedKeys} from './reshard-support.js'

/** A running 3-master cluster, whichever engine runs it. */
type Engine = {
  check: () => Promise<{output: string; status: number}>
  masters: Node[]
  seed: string
  targetId: string
}

const engines: Record<string, (t: TestContext) => Promise<Engine>> = {
  embedded: async (t) => {
    const nodes = await startNodes(t, 3)
    await createCluster(nodes)
    const target = nodes[2]!
    return {
      check: () => referenceCheckAsync(nodes[0]!.address),
      masters: nodes,
      seed: nodes[0]!.address,
      targetId: target.id,
    }
  },
  [SERVER_NAME]: async (t) => {
    const cluster = await startCluster({masters: 3, replicas: 1})
    t.after(() => cluster.close())
    return {
      check: async () => referenceCheck(cluster.seed),
      masters: cluster.masters,
      seed: cluster.seed,
      targetId: await cluster.nodeId(cluster.masters[2]!),
    }
  },
}

for (const [name, start] of Object.entries(engines).filter(([name]) => name !== 'embedded' || embeddedEnabled())) {
  describe(`reshard on ${name} nodes`, {skip: !redisServerAvailable() && !process.env.CI}, () => {
    it('moves 3000 slots with every key and value intact, while a client increments counters without an error', async (t) => {
      if (!requireRedisServer(t)) return
      const engine = await start(t)
      await seedKeys(engine.masters[0]!, 10_000)
      const before = await checksum(engine.masters)
      const args = ['--from', 'all', '--to', engine.targetId.slice(0, 10), '--slots', '3000', '--yes', '--json']
      const moving = slotsOfPlan(await runCli(['reshard', engine.seed, ...args, '--dry-run'], {cwd: scratchDir(t)}))
      const counters = incrementThroughout(engine.masters[0]!)
      const probe = probeAskedServes(engine.masters[2]!, moving)
      const result = await runCli(['reshard', engine.seed, ...args], {cwd: scratchDir(t)})
      const {acknowledged, errors, finals} = await counters.stop()
      const {gained, sentBack} = await probe.stop()
      assert.equal(result.status, 0, result.stderr)
      const summary = jsonOf<{keysMoved: number; keysPerSecond: number; seconds: number; slotsMoved: number}>(result)
      assert.equal(summary.slotsMoved, 3000)
      assert.ok(summary.keysMoved > 1000 && summary.keysPerSecond > 0 && summary.seconds > 0, result.stdout)
      const verdict = await engine.check()
      assert.equal(verdict.status, 0, verdict.output)
      assert.deepEqual(await checksum(engine.masters), before)
      assert.deepEqual(errors, [])
      assert.ok(gained > 2000, `the probe saw the target come to serve only ${gained} of the 3000 slots moved`)
      assert.deepEqual(sentBack, [], 'slots the target served to ASKed clients, then sent back to the source')
      assert.ok(acknowledged.size > 0)
      for (const [key, count] of acknowledged) assert.equal(finals.get(key), count, `${key} lost increments`)
    })
  })
}

/** The slots a --dry-run --json reshard would move. */
function slotsOfPlan(result: CliResult): number[] {
  assert.equal(result.status, 0, result.stderr)
  const {plan} = jsonOf<{plan: {steps: Array<{slots: Array<{end: number; start: number}>}>}}>(result)
  return plan.steps.flatMap((step) => [...slotsOf(step.slots)])
}
