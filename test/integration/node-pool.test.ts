/** NodePool's life cycle on the pass's server: what it opens, it closes, and it opens no more once closed. */
import assert from 'node:assert/strict'
import {it} from 'node:test'

import {NodePool} from '../../src/redis/connection.js'
import {requireRedisServer, startRedisServer, waitFor} from '../helpers/servers.js'

it('opens no connection once closed, so work still in flight cannot keep the process alive', async (t) => {
  if (!requireRedisServer(t)) return
  const server = await startRedisServer()
  t.after(() => server.stop())
  const observer = server.client()
  t.after(() => observer.disconnect())
  const clients = async () => String(await observer.call('CLIENT', 'LIST')).trim().split('\n').length

  const pool = new NodePool()
  await pool.call(server.address, 'PING')
  assert.equal(await clients(), 2)
  await pool.close()
  await assert.rejects(pool.connect(server.address), /not connecting to .+: the connection pool is closed/)
  await waitFor('the pool connection to close', async () => (await clients()) === 1)
})
