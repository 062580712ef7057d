import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {runCli} from '../helpers/cli.js'

/** Whether the built express lane runs `words` itself (true) or hands them to oclif (false). */
function expressTakes(words: string[]): boolean {
  const script = `
    import {runExpress} from './dist/express/index.js'
    const taken = await runExpress(${JSON.stringify(words)}, new URL('./oclif.manifest.json', import.meta.url))
    process.stderr.write('\\ntaken=' + taken)`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'})
  const verdict = /taken=(true|false)$/.exec(child.stderr)
  assert.ok(verdict, child.stderr)
  return verdict[1] === 'true'
}

// Each runs without a cluster: the node addresses are closed ports, so the errors are part of the comparison.
const commandLines = [
  ['--version'],
  ['keyslot', 'user:1000', '{user:1000}.cart', 'plain'],
  ['keyslot', '--json', 'a', 'b'],
  ['keyslot', 'k', '127.0.0.1:1'],
  ['keyslot', 'k', '127.0.0.1:1', '--json'],
  ['check', '127.0.0.1:1'],
  ['check', '127.0.0.1:1', '--json', '--search-multiple-owners'],
  ['info', '127.0.0.1:1', '-a', 'secret', '--user', 'ops'],
  ['info', '[::1]:1', '--json'],
  ['info', '127.0.0.1:1', '-a', ''],
  ['check', '127.0.0.1:1', '--cacert', 'ca.pem'],
  ['check', '127.0.0.1:1', '--cacert', 'ca.pem', '--json'],
]

describe('express lane', () => {
  it('runs the plain forms of check, info, keyslot and --version itself', () => {
    for (const words of commandLines) assert.equal(expressTakes(words), true, words.join(' '))
  })

  it('hands help, bad input and unusual forms to oclif', () => {
    const declined = [
      ['check', '--help'],
      ['check', 'not-an-address'],
      ['check'],
      ['check', '127.0.0.1:1', '--connect-timeout', '50'],
      ['check', '127.0.0.1:1', '--askpass'],
      ['reshard', '127.0.0.1:1'],
      ['help'],
      [],
    ]
    for (const words of declined) assert.equal(expressTakes(words), false, words.join(' '))
  })

  it('prints exactly what the oclif path prints, errors and exit codes included', async () => {
    for (const words of commandLines) {
      const [express, oclif] = await Promise.all([runCli(words), runCli(words, {env: {SLOTCTL_EXPRESS: '0'}})])
      const shown = (r: typeof express) => ({status: r.status, stderr: r.stderr, stdout: r.stdout})
      assert.deepEqual(shown(express), shown(oclif), words.join(' '))
    }
  })
})
