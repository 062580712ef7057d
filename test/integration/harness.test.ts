import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {startCluster} from '../helpers/cluster.js'
import {clientBinary, referenceCheck, requireRedisServer, SERVER_NAME} from '../helpers/servers.js'

describe('test harness', () => {
  it(`builds a 3+3 cluster of real ${SERVER_NAME} nodes that ${clientBinary()} --cluster check accepts`, async (t) => {
    if (!requireRedisServer(t)) return
    const cluster = await startCluster({masters: 3, replicas: 1})
    t.after(() => cluster.close())
    const verdict = referenceCheck(cluster.seed)
    assert.equal(verdict.status, 0, verdict.output)
    assert.match(verdict.output, /All 16384 slots covered/)
  })
})
