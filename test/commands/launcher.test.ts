/**
 * bin/run.js starts under /bin/sh, which drops NODE_EXTRA_CA_CERTS for the command lines that can make no TLS
 * connection (no --tls) and start none of the user's programs (not watch, whose --exec hooks are): Node.js 20
 * reads those certificates before it runs any script. It keeps the variable for every other. Node.js warns at start-up about a certificate file it cannot read, so the warning
 * in stderr shows whether Node saw the variable.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {runCli} from '../helpers/cli.js'

const MISSING_CA_FILE = '/nonexistent/slotctl-launcher-test-ca.pem'
const NODE_LOADED_IT = /Ignoring extra certs from/

const run = (args: string[], program: boolean) => runCli(args, {env: {NODE_EXTRA_CA_CERTS: MISSING_CA_FILE}, program})

describe('the bin/run.js launcher', () => {
  const dropped = [
    ['--version'],
    ['-v'],
    ['keyslot', 'user:1000', 'cart'],
    ['check', '127.0.0.1:1'],
    ['info', '127.0.0.1:1', '--json'],
    ['call', '--help'],
    ['sandbox', 'status', '--dir', '/nonexistent/slotctl-sandbox'],
    ['reshard', '127.0.0.1:1', '--from', 'all', '--to', 'x', '--slots', '1', '--yes', '--json'],
  ]
  for (const args of dropped) {
    it(`drops NODE_EXTRA_CA_CERTS for ${args.join(' ')}, and prints what node bin/run.js prints`, async () => {
      const [launched, direct] = await Promise.all([run(args, true), run(args, false)])
      assert.doesNotMatch(launched.stderr, NODE_LOADED_IT)
      assert.match(direct.stderr, NODE_LOADED_IT)
      assert.equal(launched.status, direct.status)
      assert.equal(launched.stdout, direct.stdout)
      assert.equal(launched.stderr, direct.stderr.replace(/^Warning: Ignoring extra certs.*\n/m, ''))
    })
  }

  const kept = [
    ['check', '127.0.0.1:1', '--tls'],
    ['info', '--tls', '127.0.0.1:1'],
    ['call', '127.0.0.1:1', 'PING', '--tls'],
    ['watch', '--help'],
    ['watch', '127.0.0.1:1', '--exec', 'true', '--count', '1'],
  ]
  for (const args of kept) {
    it(`keeps NODE_EXTRA_CA_CERTS for ${args.join(' ')}`, async () => {
      const launched = await run(args, true)
      assert.match(launched.stderr, NODE_LOADED_IT)
    })
  }
})
