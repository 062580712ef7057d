import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {clusterShards} from '../../../../src/cluster/capabilities/cluster-shards.js'
import {captured, server} from './servers.js'

describe('CLUSTER SHARDS', () => {
  it('from Redis 7.0 on, the embedded node included', () => {
    assert.ok(clusterShards(captured('redis-7.0.15')))
    assert.ok(clusterShards(captured('embedded')))
    assert.ok(!clusterShards(server('redis', '6.2.14')))
  })

  it('on every Valkey', () => {
    assert.ok(clusterShards(captured('valkey-8.0.1')))
    assert.ok(clusterShards(server('valkey', '7.2.5')))
  })
})
