/**
 * MIGRATE between an embedded node and a real redis-server, both ways, with payloads in Redis' own format;
 * DEBUG DIGEST-VALUE agrees with Redis' so redis-cli's BUSYKEY comparison works across the two.
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {test} from 'node:test'

import {Redis} from 'ioredis'

import {type RedisServer, requireRedisServer, startRedisServer} from '../../helpers/servers.js'
import {type StartedNode, startNodes} from './embedded-nodes.js'

const PASSWORD = 'migrate-secret'

async function fill(client: Redis): Promise<void> {
  await client.set('{m}string', 'value', 'PX', 60_000)
  await client.rpush('{m}list', 'a', 'b', '3')
  await client.sadd('{m}set', 'x', 'y', '7')
  await client.hset('{m}hash', 'f1', 'v1', 'f2', '2')
  await client.zadd('{m}zset', 1, 'one', 2.5, 'two', -3, 'minus')
}

const KEYS = ['{m}string', '{m}list', '{m}set', '{m}hash', '{m}zset']

async function snapshot(client: Redis): Promise<unknown[]> {
  return [
    await client.get('{m}string'),
    await client.lrange('{m}list', 0, -1),
    (await client.smembers('{m}set')).sort(),
    await client.hgetall('{m}hash'),
    await client.zrange('{m}zset', 0, -1, 'WITHSCORES'),
  ]
}

async function embeddedClient(t: import('node:test').TestContext, node: StartedNode, password?: string) {
  const client = new Redis({host: node.host, password, port: node.port})
  t.after(() => client.disconnect())
  return client
}

async function realClient(t: import('node:test').TestContext, server: RedisServer, password?: string) {
  const client = server.client(password)
  t.after(() => client.disconnect())
  return client
}

test('MIGRATE moves keys of every type from an embedded node to redis-server and back', async (t) => {
  if (!requireRedisServer(t)) return
  const [node] = await startNodes(t, 1, {password: PASSWORD})
  assert.ok(node)
  const server = await startRedisServer({cluster: false, config: {'enable-debug-command': 'yes'}, password: PASSWORD})
  t.after(() => server.stop())
  const embedded = await embeddedClient(t, node, PASSWORD)
  const real = await realClient(t, server, PASSWORD)
  await embedded.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  await fill(embedded)
  const original = await snapshot(embedded)
  const digests = await embedded.call('DEBUG', 'DIGEST-VALUE', ...KEYS)

  const migrateTo = (client: Redis, port: number, ...rest: string[]) =>
    client.call('MIGRATE', '127.0.0.1', String(port), '', '0', '5000', 'AUTH', PASSWORD, ...rest, 'KEYS', ...KEYS)

  assert.equal(await migrateTo(embedded, server.port, 'COPY'), 'OK')
  assert.deepEqual(await snapshot(real), original)
  assert.deepEqual(await real.call('DEBUG', 'DIGEST-VALUE', ...KEYS), digests)
  const ttl = await real.pttl('{m}string')
  assert.ok(ttl > 50_000 && ttl <= 60_000, String(ttl))

  await assert.rejects(
    migrateTo(embedded, server.port),
    /^ReplyError: ERR Target instance replied with error: BUSYKEY Target key name already exists\.$/,
  )
  assert.equal(await migrateTo(embedded, server.port, 'REPLACE'), 'OK')
  assert.equal(await embedded.dbsize(), 0)
  assert.equal(await migrateTo(embedded, server.port), 'NOKEY')

  assert.equal(await migrateTo(real, node.port), 'OK')
  assert.equal(await real.dbsize(), 0)
  assert.deepEqual(await snapshot(embedded), original)
  assert.deepEqual(await embedded.call('DEBUG', 'DIGEST-VALUE', ...KEYS), digests)
  const returnedTtl = await embedded.pttl('{m}string')
  assert.ok(returnedTtl > 50_000 && returnedTtl <= 60_000, String(returnedTtl))

  assert.equal(
    await real.call('MIGRATE', '127.0.0.1', String(node.port), '{m}nothing', '0', '1000', 'AUTH', PASSWORD),
    'NOKEY',
  )
  await assert.rejects(embedded.call('MIGRATE', '127.0.0.1', '1', '{m}list', '0', '200'), /IOERR/)
})

test('MIGRATE between two embedded nodes follows ASK and importing rules', async (t) => {
  const [source, target] = await startNodes(t, 2)
  assert.ok(source && target)
  const from = await embeddedClient(t, source)
  const to = await embeddedClient(t, target)
  await from.call('CLUSTER', 'ADDSLOTSRANGE', '8192', '16383')
  await to.call('CLUSTER', 'ADDSLOTSRANGE', '0', '8191')
  await from.call('CLUSTER', 'MEET', '127.0.0.1', String(target.port))
  await waitForNodes(from, 2)
  await waitForNodes(to, 2)
  await fill(from)
  const original = await snapshot(from)
  const slot = String(await from.call('CLUSTER', 'KEYSLOT', '{m}'))
  await to.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id)
  await from.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id)

  assert.equal(await from.call('MIGRATE', '127.0.0.1', String(target.port), '{m}list', '0', '5000'), 'OK')
  await assert.rejects(
    from.lrange('{m}list', 0, -1),
    new RegExp(`^ReplyError: ASK ${slot} 127\\.0\\.0\\.1:${target.port}$`),
  )
  await assert.rejects(from.call('MGET', '{m}list', '{m}string'), /^ReplyError: TRYAGAIN/)
  await assert.rejects(
    to.lrange('{m}list', 0, -1),
    new RegExp(`^ReplyError: MOVED ${slot} 127\\.0\\.0\\.1:${source.port}$`),
  )
  await to.call('ASKING')
  assert.deepEqual(await to.lrange('{m}list', 0, -1), original[1])

  const rest = KEYS.filter((key) => key !== '{m}list')
  assert.equal(await from.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...rest), 'OK')
  for (const client of [to, from]) await client.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id)
  assert.deepEqual(await snapshot(to), original)
  await assert.rejects(from.get('{m}string'), new RegExp(`MOVED ${slot} 127\\.0\\.0\\.1:${target.port}`))
})

async function waitForNodes(client: Redis, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = String(await client.call('CLUSTER', 'INFO'))
    if (
      info.includes(`cluster_known_nodes:${count}\r\n`) &&
      !String(await client.call('CLUSTER', 'NODES')).includes('handshake')
    )
      return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  throw new Error(`the node never learned ${count} nodes`)
}

test('a write to a key that MIGRATE is moving waits for the move, so no acknowledged write is lost', async (t) => {
  if (!requireRedisServer(t)) return
  const [node] = await startNodes(t, 1)
  assert.ok(node)
  const server = await startRedisServer({cluster: false, config: {'enable-debug-command': 'yes'}})
  t.after(() => server.stop())
  const [source, writer, target, sleeper] = [
    await embeddedClient(t, node),
    await embeddedClient(t, node),
    await realClient(t, server),
    await realClient(t, server),
  ]
  await source.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  const keys = Array.from({length: 100}, (_, i) => `{c}:${i}`)
  await source.mset(...keys.flatMap((key) => [key, '0']))

  // Redis blocks its whole server during MIGRATE. Keep the target busy so the move is still in flight
  // when the increments arrive on another connection.
  const asleep = sleeper.call('DEBUG', 'SLEEP', '0.5')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const moving = source.call('MIGRATE', server.host, String(server.port), '', '0', '10000', 'KEYS', ...keys)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const increments = await Promise.all(keys.slice(0, 10).map((key) => writer.incr(key)))
  assert.equal(await moving, 'OK')
  await asleep
  for (const [i, key] of keys.slice(0, 10).entries()) {
    const moved = Number(await target.get(key))
    const local = Number((await source.get(key)) ?? 0)
    // Serial order: the increment ran before the move (the target has it) or after it (a new key here).
    assert.equal(moved + local, increments[i], `the acknowledged increment of ${key} is somewhere`)
  }
})

test('MIGRATE KEYS to a target that drops the connection midway: keys it accepted leave the source, as from redis-server', async (t) => {
  if (!requireRedisServer(t)) return
  const [node] = await startNodes(t, 1, {clusterEnabled: false})
  assert.ok(node)
  const servers = await Promise.all([
    startRedisServer({cluster: false}),
    // It closes a client whose query buffer passes 1 MB: after it has accepted the small key, while it reads the big one.
    startRedisServer({cluster: false, config: {'client-query-buffer-limit': '1mb'}}),
  ])
  t.after(() => Promise.all(servers.map((server) => server.stop())))
  const [reference, target] = servers as [RedisServer, RedisServer]
  const receiver = await realClient(t, target)
  const big = randomBytes(1_500_000).toString('base64')
  const outcomes = []
  for (const source of [await realClient(t, reference), await embeddedClient(t, node)]) {
    await source.set('small', 'v')
    await source.set('big', big)
    const reply = await source
      .call('MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', 'small', 'big')
      .catch((error: Error) => error.message)
    outcomes.push({reply, source: (await source.keys('*')).sort(), target: await receiver.keys('*')})
    await receiver.flushall()
  }

  // Where the connection breaks is a race: the big key may still be on its way when the target closes
  // (a write error: no reply was read, so the source deletes nothing) or already sent (a read error after
  // the small key's OK: the source deletes the key the target accepted). Each is what Redis does then.
  const expected = (reply: string) =>
    reply.includes('writing')
      ? {reply: 'IOERR error or timeout writing to target instance', source: ['big', 'small'], target: ['small']}
      : {reply: 'IOERR error or timeout reading to target instance', source: ['big'], target: ['small']}
  for (const outcome of outcomes) assert.deepEqual(outcome, expected(String(outcome.reply)))
})
