import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {canRestore, capabilitiesOf} from '../../../../src/cluster/capabilities/index.js'
import {captured, server} from './servers.js'

describe('capabilitiesOf', () => {
  it('answers every entry of the table for one server', () => {
    assert.deepEqual(capabilitiesOf(captured('valkey-8.0.1')), {
      atomicSlotMigration: undefined,
      clusterDatabases: false,
      clusterShards: true,
      hostnames: true,
      payloadVersion: {reads: [[1, 11]], writes: 11},
      slotStateReplication: true,
      slotStats: true,
    })
  })
})

describe('canRestore: DUMP on one server, RESTORE on another', () => {
  it('older or same to same or newer: the rolling-upgrade direction', () => {
    assert.ok(canRestore(captured('redis-7.0.15'), captured('valkey-8.0.1')))
    assert.ok(canRestore(captured('redis-7.0.15'), captured('embedded')))
    assert.ok(canRestore(captured('valkey-8.0.1'), server('valkey', '9.0.0')))
    assert.ok(canRestore(server('redis', '7.2.4'), server('redis', '8.2.1')))
  })

  it('never newer to older', () => {
    assert.ok(!canRestore(captured('valkey-8.0.1'), captured('redis-7.0.15')))
    assert.ok(!canRestore(server('valkey', '9.0.0'), captured('valkey-8.0.1')))
    assert.ok(!canRestore(server('redis', '8.2.1'), server('redis', '7.2.4')))
  })

  it('not from Redis 7.4 or later to any Valkey: 12 is in the range Valkey calls foreign', () => {
    assert.ok(!canRestore(server('redis', '7.4.0'), captured('valkey-8.0.1')))
    assert.ok(!canRestore(server('redis', '8.2.1'), server('valkey', '9.0.0')))
  })
})
