import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {describeServer, isAtLeast, parseServerIdentity} from '../../../../src/cluster/capabilities/index.js'
import {captured, server} from './servers.js'

describe("a node's engine and version, from INFO server", () => {
  it('valkey-server 8.0.1: valkey_version wins over the redis_version 7.2.4 it reports for compatibility', () => {
    assert.deepEqual(captured('valkey-8.0.1'), {engine: 'valkey', parts: [8, 0, 1], version: '8.0.1'})
  })

  it('redis-server 7.0.15 and the embedded node, which reports itself as that Redis', () => {
    const redis = {engine: 'redis', parts: [7, 0, 15], version: '7.0.15'}
    assert.deepEqual(captured('redis-7.0.15'), redis)
    assert.deepEqual(captured('embedded'), redis)
  })

  it('a Valkey without server_name (7.2) is still Valkey by its valkey_version', () => {
    assert.equal(parseServerIdentity({redis_version: '7.2.4', valkey_version: '7.2.5'}).engine, 'valkey')
  })

  it('a version with missing or odd parts keeps its text and reads them as 0', () => {
    assert.deepEqual(parseServerIdentity({redis_version: '8.2-rc1'}).parts, [8, 2, 0])
    assert.deepEqual(parseServerIdentity({}), {engine: 'redis', parts: [0, 0, 0], version: '0.0.0'})
  })

  it('compares on engine, major and minor', () => {
    assert.ok(isAtLeast(server('redis', '8.4.0'), 'redis', 8, 4))
    assert.ok(isAtLeast(server('redis', '10.0.0'), 'redis', 8, 4))
    assert.ok(!isAtLeast(server('redis', '8.2.3'), 'redis', 8, 4))
    assert.ok(!isAtLeast(server('redis', '9.0.0'), 'valkey', 8))
    assert.equal(describeServer(captured('valkey-8.0.1')), 'valkey 8.0.1')
  })
})
