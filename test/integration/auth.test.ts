/**
 * Access to a password-protected cluster: REDISCLI_AUTH, a wrong or missing password (exit 3, the password
 * never echoed), and --askpass with no terminal to ask on (exit 2, never a hang). The same on both engines.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {type CliResult, jsonOf, runCli} from '../helpers/cli.js'
import {engines, type TestClusterOf} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const PASSWORD = 'auth-right-pw-5150'
const WRONG = 'auth-wrong-pw-6160'

const errorOf = (result: CliResult) => jsonOf<{error: {code: string; message: string}}>(result).error

for (const engine of engines) {
  describe(`access on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    before(async () => {
      if (redisServerAvailable()) cluster = await engine.startCluster({masters: 3, password: PASSWORD})
    })
    after(() => cluster?.close())

    it('takes the password from REDISCLI_AUTH', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['call', cluster!.seed, 'PING', '--json'], {env: {REDISCLI_AUTH: PASSWORD}})
      assert.equal(result.status, 0, result.stderr)
      assert.equal(jsonOf<{results: unknown[]}>(result).results.length, 3)
    })

    it('exits 3 on a wrong or missing password, and never prints the password', async (t) => {
      if (!requireRedisServer(t)) return
      const wrong = await runCli(['call', cluster!.seed, 'PING', '-a', WRONG, '--json'])
      assert.equal(wrong.status, 3, wrong.stderr)
      assert.equal(errorOf(wrong).code, 'AUTH_FAILED')
      assert.ok(!`${wrong.stdout}${wrong.stderr}`.includes(WRONG), 'the wrong password is not echoed')
      const missing = await runCli(['check', cluster!.seed])
      assert.equal(missing.status, 3, missing.stderr)
      assert.match(missing.stderr, /--password/)
    })

    it('refuses --askpass without a terminal, with exit 2, instead of waiting', async (t) => {
      if (!requireRedisServer(t)) return
      const result = await runCli(['call', cluster!.seed, 'PING', '--askpass'], {timeoutMs: 30_000})
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, /--askpass needs a terminal/)
    })
  })
}
