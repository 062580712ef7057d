import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {atomicSlotMigration} from '../../../../src/cluster/capabilities/atomic-slot-migration.js'
import {captured, server} from './servers.js'

describe("the server's own atomic slot migration", () => {
  it('Valkey 9.0: CLUSTER MIGRATESLOTS', () => {
    assert.equal(atomicSlotMigration(server('valkey', '9.0.0')), 'MIGRATESLOTS')
    assert.equal(atomicSlotMigration(captured('valkey-8.0.1')), undefined)
  })

  it('Redis 8.4: CLUSTER MIGRATION', () => {
    assert.equal(atomicSlotMigration(server('redis', '8.4.0')), 'MIGRATION')
    assert.equal(atomicSlotMigration(server('redis', '8.2.3')), undefined)
    assert.equal(atomicSlotMigration(captured('redis-7.0.15')), undefined)
  })
})
