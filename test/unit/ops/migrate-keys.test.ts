import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {DEFAULT_MIGRATION} from '../../../src/cluster/move-plan.js'
import {BatchSizer, classifyMigrateError} from '../../../src/ops/engine/migrate-keys.js'

describe('MIGRATE batches', () => {
  it('grow while batches are quick, up to --pipeline; shrink when slow but not below the start; timeouts go lower', () => {
    const sizer = new BatchSizer({...DEFAULT_MIGRATION, batchKeys: 1000, timeoutMs: 5000})
    assert.equal(sizer.keys, 100)
    sizer.observe(100, 1)
    assert.equal(sizer.keys, 400)
    sizer.observe(400, 2)
    assert.equal(sizer.keys, 1000)
    sizer.observe(1000, 500)
    assert.equal(sizer.keys, 200, 'a batch should take about 100 ms')
    sizer.observe(60, 300)
    assert.equal(sizer.keys, 100, 'a slow machine does not shrink batches below the first size')
    sizer.timedOut()
    assert.deepEqual([sizer.keys, sizer.timeoutMs], [25, 10_000])
    sizer.observe(25, 1)
    assert.equal(sizer.keys, 100)
    for (let i = 0; i < 10; i++) sizer.timedOut()
    assert.deepEqual([sizer.keys, sizer.timeoutMs], [1, 80_000])
    sizer.observe(1, 1000)
    assert.equal(sizer.keys, 1)
  })

  it('tells errors to retry from errors to stop on, including the target errors MIGRATE wraps', () => {
    const kind = (message: string) => classifyMigrateError(new Error(message))
    assert.equal(kind('ERR Target instance replied with error: BUSYKEY Target key name already exists.'), 'busy')
    assert.equal(
      kind('ERR Target instance replied with error: LOADING Redis is loading the dataset in memory'),
      'transient',
    )
    assert.equal(kind('CLUSTERDOWN The cluster is down'), 'transient')
    assert.equal(kind('TRYAGAIN Multiple keys request during rehashing of slot'), 'transient')
    assert.equal(kind('IOERR error or timeout reading to target instance'), 'timeout')
    assert.equal(kind('Command timed out'), 'timeout')
    assert.equal(kind('ERR Target instance replied with error: NOAUTH Authentication required.'), 'fatal')
  })
})
