import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {clusterDatabases} from '../../../../src/cluster/capabilities/cluster-databases.js'
import {captured, server} from './servers.js'

describe('numbered databases in cluster mode', () => {
  it('from Valkey 9.0 on', () => {
    assert.ok(clusterDatabases(server('valkey', '9.0.0')))
    assert.ok(!clusterDatabases(captured('valkey-8.0.1')))
  })

  it('on no Redis', () => {
    assert.ok(!clusterDatabases(captured('redis-7.0.15')))
    assert.ok(!clusterDatabases(server('redis', '9.0.0')))
  })
})
