import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {slotStats} from '../../../../src/cluster/capabilities/slot-stats.js'
import {captured, server} from './servers.js'

describe('CLUSTER SLOT-STATS', () => {
  it('from Valkey 8.0 on', () => {
    assert.ok(slotStats(captured('valkey-8.0.1')))
    assert.ok(!slotStats(server('valkey', '7.2.5')))
  })

  it('on no Redis', () => {
    assert.ok(!slotStats(captured('redis-7.0.15')))
    assert.ok(!slotStats(server('redis', '8.4.0')))
  })
})
