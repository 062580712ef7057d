/**
 * `slotctl sandbox --engine redis-server|valkey-server` on real nodes (the server under test, SLOTCTL_TEST_SERVER,
 * answers to its family's name), and what it says when the server is missing.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {jsonOf, runCli} from '../helpers/cli.js'
import {pathWithServer, SANDBOX_ENGINE, SERVER_NAME} from '../helpers/servers.js'
import {sandboxScenarios} from './sandbox-scenarios.js'

sandboxScenarios({label: SERVER_NAME, name: SANDBOX_ENGINE, path: pathWithServer()})

for (const [engine, install] of [
  ['redis-server', /apt-get install -y redis-server/],
  ['valkey-server', /apt-get install -y valkey-server/],
] as const) {
  describe(`sandbox without ${engine} installed`, () => {
    it('says how to install it, and changes nothing', async (t) => {
      const root = mkdtempSync(join(tmpdir(), 'slotctl-sandbox-'))
      t.after(() => rmSync(root, {force: true, recursive: true}))
      const dir = join(root, 'sandbox')
      const result = await runCli(['sandbox', 'up', '--engine', engine, '--dir', dir, '--json'], {
        env: {PATH: '/nonexistent'},
      })
      assert.equal(result.status, 1)
      const {error} = jsonOf<{error: {code: string; message: string; suggestions: string[]}}>(result)
      assert.equal(error.code, 'ENGINE_MISSING')
      assert.match(error.message, new RegExp(`^${engine} is not installed`))
      assert.match(error.suggestions.join('\n'), install)
      assert.equal(existsSync(dir), false)
    })
  })
}
