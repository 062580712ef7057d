import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

import {runCli} from '../helpers/cli.js'
import {redisServerAvailable, type RedisServer, sleep, startRedisServer, waitFor} from '../helpers/servers.js'
import {killWatches, WatchRun} from '../helpers/watch-run.js'

/** Short rounds: these tests change a one-node cluster by hand and expect watch to notice at once. */
const INTERVAL = '100'
const EVENT_TIMEOUT_MS = 10_000

/** A one-node cluster owning every slot: the quickest cluster whose state, slots and epoch can be changed. */
async function oneNodeCluster(password?: string): Promise<RedisServer> {
  const server = await startRedisServer(password ? {password} : {})
  const client = server.client(password)
  try {
    await client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    await waitFor('cluster_state:ok', async () =>
      String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
    )
  } finally {
    client.disconnect()
  }

  return server
}

// eslint-disable-next-line no-control-regex
const withoutColour = (text: string) => text.replaceAll(/\u001B\[[\d;]*m/g, '')
const hasScript = () => spawnSync('script', ['--version']).status === 0

async function call(server: RedisServer, ...args: string[]): Promise<unknown> {
  const client = server.client()
  try {
    return await client.call(args[0]!, ...args.slice(1))
  } finally {
    client.disconnect()
  }
}

describe('watch: hooks, stopping, output modes, bad input', {skip: !redisServerAvailable() && !process.env.CI}, () => {
  let node: RedisServer
  let dir: string

  before(async () => {
    node = await oneNodeCluster()
    dir = mkdtempSync(join(tmpdir(), 'slotctl-watch-cli-'))
  })
  after(async () => {
    killWatches()
    await node?.stop()
    if (dir) rmSync(dir, {force: true, recursive: true})
  })

  it('--count N ends after N cluster events, WATCH_STARTED not counted', async () => {
    const watch = new WatchRun([node.address, '--json', '--interval', INTERVAL, '--count', '2'])
    await watch.next('WATCH_STARTED', EVENT_TIMEOUT_MS)
    await call(node, 'CLUSTER', 'DELSLOTS', '100')
    try {
      const {status, stderr} = await watch.exit()
      assert.equal(status, 0, stderr)
      assert.deepEqual(watch.codes(), ['WATCH_STARTED', 'COVERAGE_LOST', 'CLUSTER_STATE'])
      assert.deepEqual(watch.events[1]!.slots, [{end: 100, start: 100}])
      assert.deepEqual(watch.events[2]!.details, {state: 'fail'})
    } finally {
      await call(node, 'CLUSTER', 'ADDSLOTS', '100')
    }
  })

  it('a hook that hangs neither delays events nor outlives --exec-timeout; it is reported as HOOK_FAILED', async () => {
    const pids = join(dir, 'pids')
    const hook = `echo $$ >> "${pids}"; exec sleep 30`
    const args = [node.address, '--json', '--interval', INTERVAL, '--exec', hook, '--exec-timeout', '2000']
    const watch = new WatchRun([...args, '--until', 'COVERAGE_LOST'])
    await watch.next('WATCH_STARTED', EVENT_TIMEOUT_MS)
    const changedAt = Date.now()
    await call(node, 'CLUSTER', 'DELSLOTS', '100')
    try {
      const lost = await watch.next('COVERAGE_LOST', EVENT_TIMEOUT_MS)
      // The WATCH_STARTED hook still sleeps: the watch went on without it.
      assert.ok(lost.receivedAt - changedAt < 1000, `COVERAGE_LOST ${lost.receivedAt - changedAt} ms after the change`)
      assert.ok(!watch.codes().includes('HOOK_FAILED'), 'the first hook is still running')
      const {status, stderr} = await watch.exit()
      assert.equal(status, 0, stderr)
    } finally {
      await call(node, 'CLUSTER', 'ADDSLOTS', '100')
    }

    const failures = watch.events.filter((event) => event.code === 'HOOK_FAILED')
    assert.deepEqual(
      failures.map((event) => [event.details?.event, event.details?.reason]),
      [
        ['WATCH_STARTED', 'killed after 2000 ms'],
        ['COVERAGE_LOST', 'killed after 2000 ms'],
      ],
    )
    for (const pid of readFileSync(pids, 'utf8').trim().split('\n').map(Number)) {
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `hook process ${pid} was killed`)
    }
  })

  it('a failing hook is reported with its exit status and last line of stderr; its stdout never mixes with events', async () => {
    const hook = 'echo hook-says-hello; echo broken >&2; exit 3'
    const watch = new WatchRun([node.address, '--json', '--exec', hook, '--until', 'WATCH_STARTED'])
    const {status, stderr} = await watch.exit()
    assert.equal(status, 0, stderr)
    assert.deepEqual(watch.codes(), ['WATCH_STARTED', 'HOOK_FAILED'])
    assert.equal(watch.events[1]!.details?.reason, 'exit status 3: broken')
    assert.deepEqual(watch.strayLines, [])
    assert.match(stderr, /hook-says-hello/)
  })

  it('never hands the password to the hook or prints it', async () => {
    const secret = 's3cret-for-watch'
    const guarded = await oneNodeCluster(secret)
    try {
      const envFile = join(dir, 'env')
      const watch = new WatchRun(
        [guarded.address, '--json', '--exec', `env > "${envFile}"`, '--until', 'WATCH_STARTED'],
        {
          env: {REDISCLI_AUTH: secret},
        },
      )
      const {status, stderr} = await watch.exit()
      assert.equal(status, 0, stderr)
      const env = readFileSync(envFile, 'utf8')
      assert.match(env, /^SLOTCTL_EVENT=WATCH_STARTED$/m)
      assert.match(env, new RegExp(`^SLOTCTL_EVENT_NODES=${guarded.address}$`, 'm'))
      assert.ok(!env.includes(secret), 'the hook environment holds no password')
      assert.ok(!JSON.stringify(watch.events).includes(secret))
    } finally {
      await guarded.stop()
    }
  })

  it('without a terminal or --json: one line per event; Ctrl-C ends it with 0, or 1 before the --until event', async () => {
    const plain = new WatchRun([node.address, '--interval', INTERVAL])
    await waitFor('the first line', () => plain.strayLines.length > 0, EVENT_TIMEOUT_MS)
    assert.match(
      plain.strayLines[0]!,
      /^\d\d:\d\d:\d\d\.\d{3} WATCH_STARTED watching 1 master and 0 replicas from \S+: 16384\/16384 slots covered$/,
    )
    assert.equal((await plain.stop('SIGINT')).status, 0)

    const waiting = new WatchRun([node.address, '--json', '--interval', INTERVAL, '--until', 'FAILOVER'])
    await waiting.next('WATCH_STARTED', EVENT_TIMEOUT_MS)
    assert.equal((await waiting.stop('SIGTERM')).status, 1)
  })

  it('on a terminal: a live view redrawn in place', {skip: !hasScript() && 'no script(1)'}, async () => {
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
    const command = `${process.execPath} ${bin} watch ${node.address} --interval ${INTERVAL} --until COVERAGE_LOST`
    // script(1) gives the command a pseudo-terminal, as an operator's shell would.
    const child = spawn('script', ['-qec', command, '/dev/null'], {env: {...process.env, NO_COLOR: ''}})
    let screen = ''
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const timer = setTimeout(() => child.kill('SIGKILL'), EVENT_TIMEOUT_MS)
    try {
      await waitFor('the first frame', () => screen.includes('WATCH_STARTED'), EVENT_TIMEOUT_MS)
      await sleep(300)
      await call(node, 'CLUSTER', 'DELSLOTS', '100')
      assert.equal(await exited, 0, screen)
    } finally {
      clearTimeout(timer)
      await call(node, 'CLUSTER', 'ADDSLOTS', '100')
    }

    const frames = screen.split('\u001B[H').slice(1).map(withoutColour)
    assert.ok(screen.startsWith('\u001B[2J'), 'clears the screen once')
    assert.ok(frames.length >= 3, `${frames.length} frames`)
    assert.match(frames[0]!, /MASTER.*ID.*STATE.*SLOTS.*KEYS.*REPLICAS/)
    assert.match(frames[0]!, new RegExp(`${node.address}.*ok.*16384`))
    assert.match(frames.at(-1)!, /COVERAGE_LOST slot 100 not covered: no node owns them/)
  })

  it('bad input exits 2 naming the flag or value; an unreachable node exits 3', async () => {
    const interval = await runCli(['watch', node.address, '--interval', '10'])
    assert.equal(interval.status, 2)
    assert.match(interval.stderr, /--interval/)
    const until = await runCli(['watch', node.address, '--until', 'NODE_EXPLODED'])
    assert.equal(until.status, 2)
    assert.match(until.stderr, /NODE_EXPLODED/)
    assert.match(until.stderr, /FAILOVER/)
    const address = await runCli(['watch', 'nowhere'])
    assert.equal(address.status, 2)
    assert.match(address.stderr, /"nowhere" is not a node address/)
    const unreachable = await runCli(['watch', '127.0.0.1:1', '--json'])
    assert.equal(unreachable.status, 3)
  })
})
