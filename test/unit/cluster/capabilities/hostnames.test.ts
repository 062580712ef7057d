import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {hostnames} from '../../../../src/cluster/capabilities/hostnames.js'
import {captured, server} from './servers.js'

describe('hostname aux fields in CLUSTER NODES', () => {
  it('from Redis 7.0 on, and on every Valkey', () => {
    assert.ok(hostnames(captured('redis-7.0.15')))
    assert.ok(hostnames(captured('valkey-8.0.1')))
    assert.ok(hostnames(server('valkey', '7.2.5')))
  })

  it('not before Redis 7.0', () => {
    assert.ok(!hostnames(server('redis', '6.2.14')))
  })
})
