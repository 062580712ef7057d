import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {slotStateReplication} from '../../../../src/cluster/capabilities/slot-state-replication.js'
import {captured, server} from './servers.js'

describe('SETSLOT replicated to replicas, with TIMEOUT (never inside MULTI)', () => {
  it('from Valkey 8.0 on', () => {
    assert.ok(slotStateReplication(captured('valkey-8.0.1')))
    assert.ok(slotStateReplication(server('valkey', '9.0.0')))
    assert.ok(!slotStateReplication(server('valkey', '7.2.5')))
  })

  it('on no Redis, the embedded node included', () => {
    assert.ok(!slotStateReplication(captured('redis-7.0.15')))
    assert.ok(!slotStateReplication(captured('embedded')))
    assert.ok(!slotStateReplication(server('redis', '8.4.0')))
  })
})
