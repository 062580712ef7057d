/**
 * countKeysInSlots on the pass's server: SLOT-STATS for the owned slots on valkey-server 8, COUNTKEYSINSLOT for
 * the rest and on redis-server 7.0; the same counts either way.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {capabilitiesOf, parseServerIdentity, type ServerIdentity} from '../../src/cluster/capabilities/index.js'
import {parseInfo} from '../../src/cluster/info.js'
import {ReaderPool} from '../../src/redis/reader-pool.js'
import {DEFAULT_SETTINGS} from '../../src/redis/settings.js'
import {countKeysInSlots} from '../../src/redis/slot-counts.js'
import {
  isValkey,
  type RedisServer,
  redisServerAvailable,
  SERVER_NAME,
  startRedisServer,
  waitFor,
} from '../helpers/servers.js'

describe(`countKeysInSlots on ${SERVER_NAME}`, {skip: !redisServerAvailable()}, () => {
  let server: RedisServer
  let identity: ServerIdentity
  const pool = new ReaderPool(DEFAULT_SETTINGS)

  before(async () => {
    server = await startRedisServer()
    const client = server.client()
    try {
      // The node owns slots 0-99 only: SLOT-STATS answers those, COUNTKEYSINSLOT the rest.
      await client.call('CONFIG', 'SET', 'cluster-require-full-coverage', 'no')
      await client.call('CLUSTER', 'ADDSLOTSRANGE', 0, 99)
      await waitFor('the cluster state to be ok', async () =>
        String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
      )
      // {06S} hashes to slot 0, {Qi} to 1: tags chosen by CLUSTER KEYSLOT; three keys in 0, one in 1.
      for (const key of ['a{06S}', 'b{06S}', 'c{06S}', 'a{Qi}']) await client.set(key, 'v')
    } finally {
      client.disconnect()
    }

    identity = parseServerIdentity(parseInfo(String((await pool.pipeline(server.address, [['INFO', 'server']]))[0])))
  })
  after(async () => {
    await pool.close()
    await server?.stop()
  })

  it('reads SLOT-STATS on Valkey 8 only', () => {
    assert.equal(capabilitiesOf(identity).slotStats, isValkey())
  })

  it('counts owned and unowned slots alike', async () => {
    const counts = await countKeysInSlots(pool, server.address, [0, 1, 2, 98, 99, 100, 16_383], identity)
    assert.deepEqual(Object.fromEntries(counts), {0: 3, 1: 1, 2: 0, 98: 0, 99: 0, 100: 0, 16383: 0})
  })
})
