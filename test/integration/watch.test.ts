import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it, type TestContext} from 'node:test'

import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {startEmbeddedCluster} from '../helpers/embedded-cluster.js'
import {embeddedEnabled, redisServerAvailable, type RedisServer, SERVER_NAME, sleep} from '../helpers/servers.js'
import {killWatches, type Received, WatchRun} from '../helpers/watch-run.js'

const INTERVAL_MS = 250
/** CI runs two test files at once on two cores: a child process may get the CPU that much late. */
const SLACK_MS = 250
/** slotctl's own share of a delay: two rounds at most after the fact it reports. */
const LAG_MS = 2 * INTERVAL_MS + SLACK_MS
/** Generous: FAIL takes up to the node timeout plus gossip, then Redis waits 500-1000 ms before the election. */
const EVENT_TIMEOUT_MS = 20_000

/** A 3 + 3 cluster on one engine: the failure scenarios below run on each. */
type Engine = {name: string; start?: () => Promise<TestCluster>; todo?: string}

const ENGINES: Engine[] = [
  {name: SERVER_NAME, start: () => startCluster({masters: 3, replicas: 1})},
  // Each embedded node in a daemon process of its own, so that a kill is a crash, with redis-server's node timeout.
  {name: 'embedded', start: () => startEmbeddedCluster({masters: 3, nodeTimeoutMs: 2000, replicas: 1})},
]

/**
 * When the cluster itself changed, seen from outside slotctl: polls CLUSTER NODES of nodes that stay up every
 * 50 ms, so that slotctl's delay can be measured against the cluster's own timing.
 */
class Observer {
  failAt: number | undefined
  promotedAt: number | undefined
  private running = true
  private readonly done: Promise<void>

  constructor(witnesses: RedisServer[], victimId: string, heirId: string) {
    // The FAIL flag itself, not fail? (PFAIL).
    const failed = new RegExp(`^${victimId} \\S+ (?:\\S*,)?fail[, ]`, 'm')
    const promoted = new RegExp(`^${heirId} \\S+ (myself,)?master `, 'm')
    const clients = witnesses.map((node) => node.client())
    this.done = (async () => {
      while (this.running) {
        const views = await Promise.all(clients.map((client) => client.call('CLUSTER', 'NODES')))
        const now = Date.now()
        if (views.some((view) => failed.test(String(view)))) this.failAt ??= now
        if (views.some((view) => promoted.test(String(view)))) this.promotedAt ??= now
        await sleep(50)
      }
    })().finally(() => clients.forEach((client) => client.disconnect()))
  }

  async stop(): Promise<void> {
    this.running = false
    await this.done
  }
}

/** When watch emitted the event (its own clock, the same machine's): slotctl's delay, not the test's. */
const emittedAt = (event: Received) => Date.parse(event.time)

const indexOf = (run: WatchRun, event: Received) => run.events.indexOf(event)

for (const engine of ENGINES.filter((e) => e.name !== 'embedded' || embeddedEnabled())) {
  describe(
    `watch on a 3 + 3 cluster (${engine.name})`,
    {skip: !redisServerAvailable() && !process.env.CI, todo: engine.todo},
    () => {
      let cluster: TestCluster
      let hookDir: string

      before(async () => {
        if (!engine.start) return
        cluster = await engine.start()
        hookDir = mkdtempSync(join(tmpdir(), 'slotctl-watch-hook-'))
        // The hook a user would write: the event from stdin appended to a file, and its code from the environment.
        writeFileSync(
          join(hookDir, 'hook.sh'),
          '#!/bin/sh\ncat >> "$HOOK_DIR/events.ndjson"\nprintf "%s\\n" "$SLOTCTL_EVENT" >> "$HOOK_DIR/codes"\n',
        )
        chmodSync(join(hookDir, 'hook.sh'), 0o755)
      })
      after(async () => {
        killWatches()
        await cluster?.close()
        if (hookDir) rmSync(hookDir, {force: true, recursive: true})
      })

      it('master killed: NODE_UNREACHABLE, NODE_FAIL, FAILOVER in order and on time; restarted: NODE_REACHABLE; the hook gets every event', async (t: TestContext) => {
        if (!engine.start) return
        const victim = cluster.masters[1]!
        const heir = cluster.replicas[1]!
        const [victimId, heirId] = await Promise.all([cluster.nodeId(victim), cluster.nodeId(heir)])
        const args = [cluster.seed, '--json', '--interval', String(INTERVAL_MS), '--exec', join(hookDir, 'hook.sh')]
        const watch = new WatchRun(args, {env: {HOOK_DIR: hookDir}})
        await watch.next('WATCH_STARTED', EVENT_TIMEOUT_MS)

        const observer = new Observer([cluster.masters[0]!, heir], victimId, heirId)
        const killedAt = Date.now()
        victim.kill()
        const about = (id: string) => (event: Received) => event.nodes[0]?.id === id
        const unreachable = await watch.next('NODE_UNREACHABLE', EVENT_TIMEOUT_MS, about(victimId))
        const failed = await watch.next('NODE_FAIL', EVENT_TIMEOUT_MS, about(victimId))
        const failover = await watch.next('FAILOVER', EVENT_TIMEOUT_MS, about(heirId))
        await observer.stop()

        const since = (event: Received) => emittedAt(event) - killedAt
        t.diagnostic(
          `after the kill: NODE_UNREACHABLE ${since(unreachable)} ms, NODE_FAIL ${since(failed)} ms` +
            ` (cluster flagged FAIL at ${observer.failAt! - killedAt} ms), FAILOVER ${since(failover)} ms` +
            ` (replica promoted at ${observer.promotedAt! - killedAt} ms)`,
        )
        assert.ok(indexOf(watch, unreachable) < indexOf(watch, failed), 'NODE_UNREACHABLE before NODE_FAIL')
        assert.ok(indexOf(watch, failed) < indexOf(watch, failover), 'NODE_FAIL before FAILOVER')
        assert.deepEqual(
          failover.nodes.map((node) => node.id),
          [heirId, victimId],
        )
        assert.deepEqual(failover.slots, [{end: 10_921, start: 5461}])
        assert.ok(since(unreachable) <= LAG_MS, `NODE_UNREACHABLE ${since(unreachable)} ms after the kill`)
        assert.ok(emittedAt(failed) - observer.failAt! <= LAG_MS, 'NODE_FAIL within two intervals of the FAIL flag')
        assert.ok(
          emittedAt(failover) - observer.promotedAt! <= LAG_MS,
          'FAILOVER within two intervals of the promotion',
        )

        await victim.start()
        const restartedAt = Date.now()
        const back = await watch.next('NODE_REACHABLE', EVENT_TIMEOUT_MS, about(victimId))
        t.diagnostic(`after the restart: NODE_REACHABLE ${emittedAt(back) - restartedAt} ms`)
        assert.ok(emittedAt(back) - restartedAt <= LAG_MS, 'NODE_REACHABLE within two intervals')
        await watch.next('NODE_FAIL_CLEARED', EVENT_TIMEOUT_MS, about(victimId))
        await cluster.waitHealthy()
        await sleep(2 * INTERVAL_MS)
        // The restarted node's stale view (it still thinks it owns its slots) must not read as a change.
        const afterRestart = watch.events.slice(indexOf(watch, back))
        t.diagnostic(`events: ${watch.codes().join(' ')}`)
        for (const code of ['FAILOVER', 'NODE_JOINED', 'NODE_LEFT', 'COVERAGE_LOST']) {
          const unexpected = afterRestart.filter((event) => event.code === code)
          assert.deepEqual(unexpected, [], `no ${code} after the restart`)
        }

        const {status, stderr} = await watch.stop('SIGTERM')
        assert.equal(status, 0, stderr)
        assert.deepEqual(watch.strayLines, [], 'stdout holds NDJSON events only')
        const hooked = readFileSync(join(hookDir, 'events.ndjson'), 'utf8').trim().split('\n')
        const strip = ({receivedAt: _at, ...event}: Received) => event
        assert.deepEqual(
          hooked.map((line) => JSON.parse(line)),
          watch.events.map(strip),
          'the hook received every event, in order',
        )
        assert.deepEqual(readFileSync(join(hookDir, 'codes'), 'utf8').trim().split('\n'), watch.codes())
      })

      it('keeps watching when the node it started from dies, and --until ends it at the awaited event', async () => {
        if (!engine.start) return
        const seed = cluster.masters[0]!
        const heir = cluster.replicas[0]!
        const heirId = await cluster.nodeId(heir)
        const watch = new WatchRun([seed.address, '--json', '--interval', String(INTERVAL_MS), '--until', 'FAILOVER'])
        await watch.next('WATCH_STARTED', EVENT_TIMEOUT_MS)
        seed.kill()
        const {status, stderr} = await Promise.race([
          watch.exit(),
          sleep(EVENT_TIMEOUT_MS).then(() => watch.stop('SIGKILL')),
        ])
        assert.equal(status, 0, `${stderr}\nevents: ${watch.codes().join(', ')}`)
        const last = watch.events.at(-1)!
        assert.equal(last.code, 'FAILOVER')
        assert.equal(last.nodes[0]?.id, heirId)
        assert.ok(watch.codes().includes('NODE_UNREACHABLE'))
        assert.deepEqual(watch.strayLines, [])
      })
    },
  )
}
