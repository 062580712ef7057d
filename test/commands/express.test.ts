import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {runCli} from '../helpers/cli.js'

/** For each command line, whether the built express lane runs it itself (true) or hands it to oclif (false). */
function expressTakes(commandLines: string[][]): boolean[] {
  // One process for every line: each would otherwise pay Node's start-up.
  const script = `
    import {runExpress} from './dist/express/index.js'
    const manifest = new URL('./oclif.manifest.json', import.meta.url)
    const taken = []
    for (const words of ${JSON.stringify(commandLines)}) taken.push(await runExpress(words, manifest))
    process.stderr.write('\\ntaken=' + JSON.stringify(taken))`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'})
  const verdict = /taken=(.*)$/.exec(child.stderr)
  assert.ok(verdict, child.stderr)
  return JSON.parse(verdict[1]!) as boolean[]
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
    assert.deepEqual(
      expressTakes(commandLines),
      commandLines.map(() => true),
    )
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
    assert.deepEqual(
      expressTakes(declined),
      declined.map(() => false),
    )
  })

  it('prints exactly what the oclif path prints, errors and exit codes included', async () => {
    const shown = async (words: string[], env: Record<string, string> = {}) => {
      const {status, stderr, stdout} = await runCli(words, {env})
      return {status, stderr, stdout, words}
    }

    const express = await Promise.all(commandLines.map((words) => shown(words)))
    const oclif = await Promise.all(commandLines.map((words) => shown(words, {SLOTCTL_EXPRESS: '0'})))
    assert.deepEqual(express, oclif)
  })
})
