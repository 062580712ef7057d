import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {payloadVersion} from '../../../../src/cluster/capabilities/payload-version.js'
import {captured, server} from './servers.js'

describe('the RDB version of DUMP payloads', () => {
  it('Redis writes 10 (7.0), 11 (7.2), 12 (7.4 to 8.x) and reads every version up to its own', () => {
    assert.deepEqual(payloadVersion(captured('redis-7.0.15')), {reads: [[1, 10]], writes: 10})
    assert.deepEqual(payloadVersion(captured('embedded')), {reads: [[1, 10]], writes: 10})
    assert.equal(payloadVersion(server('redis', '7.2.4')).writes, 11)
    assert.equal(payloadVersion(server('redis', '7.4.0')).writes, 12)
    assert.deepEqual(payloadVersion(server('redis', '8.2.1')), {reads: [[1, 12]], writes: 12})
  })

  it('Valkey 7.2 and 8 write 11; Valkey 9 writes 80 and refuses the foreign 12-79', () => {
    assert.deepEqual(payloadVersion(captured('valkey-8.0.1')), {reads: [[1, 11]], writes: 11})
    assert.equal(payloadVersion(server('valkey', '7.2.5')).writes, 11)
    assert.deepEqual(payloadVersion(server('valkey', '9.0.0')), {
      reads: [
        [1, 11],
        [80, 80],
      ],
      writes: 80,
    })
  })
})
