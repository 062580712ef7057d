import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {KeyslotResult} from '../../src/commands/keyslot.js'
import {jsonOf, runCli} from '../helpers/cli.js'

describe('slotctl keyslot (no node)', () => {
  it('prints the slot of each key, hashing only a non-empty hash tag, as Redis does', async () => {
    // Slots as CLUSTER KEYSLOT gives them on redis-server 7.0.15.
    const result = await runCli(['keyslot', 'user:1000', '{user:1000}.cart', 'foo', '{}foo', '123456789', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(jsonOf<KeyslotResult>(result), {
      keys: [
        {key: 'user:1000', slot: 1649},
        {hashTag: 'user:1000', key: '{user:1000}.cart', slot: 1649},
        {key: 'foo', slot: 12_182},
        {key: '{}foo', slot: 9500},
        {key: '123456789', slot: 12_739},
      ],
    })
  })

  it('shows a table with what was hashed', async () => {
    const result = await runCli(['keyslot', '{user:1000}.cart', 'foo'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(
      result.stdout,
      /^KEY\s+SLOT\s+HASHED\n\{user:1000\}\.cart\s+1649\s+user:1000\nfoo\s+12182\s+\(whole key\)\n$/,
    )
  })

  it('takes a last argument shaped like a key (user:1000) as a key, not as a node', async () => {
    const result = await runCli(['keyslot', 'session:1', 'user:1000', '--json'])
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(
      jsonOf<KeyslotResult>(result).keys.map((k) => k.key),
      ['session:1', 'user:1000'],
    )
  })

  it('exits 2 without keys, and 3 when the node given cannot be reached', async () => {
    const none = await runCli(['keyslot'])
    assert.equal(none.status, 2)
    assert.match(none.stderr, /Missing 1 required arg/)
    const unreachable = await runCli(['keyslot', 'foo', '127.0.0.1:1'])
    assert.equal(unreachable.status, 3)
    assert.match(unreachable.stderr, /cannot connect to 127\.0\.0\.1:1/)
    assert.equal(unreachable.stdout, '')
  })
})
