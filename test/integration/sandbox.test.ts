/**
 * `slotctl sandbox` on real redis-server nodes (the server under test, SLOTCTL_TEST_SERVER, answers to that name),
 * and what it says when redis-server is missing.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {jsonOf, runCli} from '../helpers/cli.js'
import {pathWithServer, SERVER_NAME} from '../helpers/servers.js'
import {sandboxScenarios} from './sandbox-scenarios.js'

sandboxScenarios({label: SERVER_NAME, name: 'redis-server', path: pathWithServer()})

describe('sandbox without redis-server installed', () => {
  it('says how to install it', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'slotctl-sandbox-'))
    t.after(() => rmSync(root, {force: true, recursive: true}))
    const dir = join(root, 'sandbox')
    const result = await runCli(['sandbox', 'up', '--engine', 'redis-server', '--dir', dir, '--json'], {
      env: {PATH: '/nonexistent'},
    })
    assert.equal(result.status, 1)
    const {error} = jsonOf<{error: {code: string; suggestions: string[]}}>(result)
    assert.equal(error.code, 'ENGINE_MISSING')
    assert.match(error.suggestions.join('\n'), /apt-get install -y redis-server/)
    assert.equal(existsSync(dir), false)
  })
})
