import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {summarise} from '../../../src/actions/info.js'
import {parseServerIdentity} from '../../../src/cluster/capabilities/index.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

describe('info per master', () => {
  it("names each master's engine and version, as its INFO server does", () => {
    const snapshot = snapshotFromFixture('healthy-3x1')
    const valkey = parseServerIdentity({redis_version: '7.2.4', server_name: 'valkey', valkey_version: '8.0.1'})
    const nodes = snapshot.nodes.map((node) => ({...node, server: valkey}))
    const {masters} = summarise({...snapshot, nodes})
    assert.deepEqual(
      masters.map(({engine, version}) => `${engine} ${version}`),
      ['valkey 8.0.1', 'valkey 8.0.1', 'valkey 8.0.1'],
    )
  })
})
