/**
 * The password never leaks: every command that exists runs against a password-protected cluster (with -a,
 * with REDISCLI_AUTH, as text and as JSON, and failing), from a working directory of its own; then neither
 * anything printed nor any file written (plans, journals, backups' nodes.json) may contain the password.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type CliResult, runCli} from '../helpers/cli.js'
import {startCluster, type TestCluster} from '../helpers/cluster.js'
import {
  type RedisServer,
  redisServerAvailable,
  requireRedisServer,
  SERVER_NAME,
  startRedisServer,
} from '../helpers/servers.js'

const PASSWORD = 'Sentinel-Secret-31337'

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describe(`secrets on ${SERVER_NAME}`, () => {
  let cluster: TestCluster | undefined
  let spare: RedisServer | undefined
  let source: RedisServer | undefined
  let empty: RedisServer[] = []
  let work = ''
  before(async () => {
    if (!redisServerAvailable()) return
    ;[cluster, spare, source, ...empty] = await Promise.all([
      startCluster({masters: 3, password: PASSWORD, replicas: 1}),
      startRedisServer({password: PASSWORD}),
      startRedisServer({cluster: false}),
      ...[1, 2, 3].map(() => startRedisServer({password: PASSWORD})),
    ])
    work = mkdtempSync(join(tmpdir(), 'slotctl-secrets-'))
  })
  after(async () => {
    await Promise.all([cluster?.close(), spare?.stop(), source?.stop(), ...empty.map((node) => node.stop())])
    if (work) rmSync(work, {force: true, recursive: true})
  })

  it('appears in no output and no file of any command', async (t) => {
    if (!requireRedisServer(t)) return
    const outputs: CliResult[] = []
    const run = async (args: string[], expected: number, env: Record<string, string> = {}) => {
      const result = await runCli(args, {cwd: work, env})
      outputs.push(result)
      t.diagnostic(`${args[0]}: ${result.elapsedMs} ms`)
      assert.equal(result.status, expected, `slotctl ${args.join(' ')}\n${result.stdout}\n${result.stderr}`)
      return result
    }

    const seed = cluster!.seed
    const a = ['-a', PASSWORD]
    const env = {REDISCLI_AUTH: PASSWORD}
    const spareId = await cluster!.with(spare!, async (client) => String(await client.call('CLUSTER', 'MYID')))
    await run(['check', seed, ...a], 0)
    await run(['check', seed, '--json'], 0, env)
    await run(['info', seed, ...a], 0)
    await run(['keyslot', 'user:1', 'user:2', seed, ...a, '--json'], 0)
    await run(['call', seed, 'PING', ...a], 0)
    await run(['call', seed, 'CONFIG', 'GET', 'maxmemory', '--json'], 0, env)
    await run(['set-timeout', seed, '2000', ...a], 0)
    await run(['add-node', spare!.address, seed, ...a], 0)
    await run(['reshard', seed, '--from', 'all', '--to', spareId, '--slots', '30', '--plan-out', 'plan.json', ...a], 0)
    await run(['apply', 'plan.json', '--yes', '--json'], 0, env)
    await run(['rebalance', seed, '--weight', `${spareId}=0`, '--yes', ...a], 0)
    await run(['del-node', seed, spareId, ...a, '--json'], 0)
    await cluster!.with(source!, (client) => client.mset({k1: 'v1', k2: 'v2'}))
    await run(['import', seed, '--from', source!.address, ...a], 0)
    await run(['backup', seed, 'backup', '--json'], 0, env)
    await run(['failover', cluster!.replicas[0]!.address, ...a], 0)
    await run(['create', ...empty.map((node) => node.address), '--yes', ...a], 0)
    // Failures print messages too: a refused node and an unreachable one.
    await run(['add-node', empty[0]!.address, seed, ...a], 1)
    await run(['call', '127.0.0.1:1', 'PING', ...a], 3)
    assert.ok(outputs.length > 15)
    for (const [i, output] of outputs.entries()) {
      assert.ok(!output.stdout.includes(PASSWORD), `stdout of run ${i} holds the password:\n${output.stdout}`)
      assert.ok(!output.stderr.includes(PASSWORD), `stderr of run ${i} holds the password:\n${output.stderr}`)
    }

    const files = filesUnder(work)
    assert.ok(files.some((file) => file.endsWith('plan.json')))
    assert.ok(
      files.some((file) => file.endsWith('.journal')),
      `a journal among ${files.join(', ')}`,
    )
    assert.ok(files.some((file) => file.endsWith('nodes.json')))
    for (const file of files) {
      assert.ok(!readFileSync(file).includes(PASSWORD), `${file} holds the password`)
    }
  })
})
