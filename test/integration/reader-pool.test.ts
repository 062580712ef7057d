/**
 * ReaderPool, the plain RESP client that check, info and keyslot read with, on real nodes of both engines:
 * the same replies as ioredis (NodePool) for every reply type, the same credential errors, and no hang or
 * leftover connection when a server goes silent, vanishes or speaks something else.
 */
import assert from 'node:assert/strict'
import {once} from 'node:events'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {after, before, describe, it} from 'node:test'

import {ConnectionError} from '../../src/cluster/errors.js'
import {NodePool} from '../../src/redis/connection.js'
import {readNode} from '../../src/redis/discover.js'
import {ReaderPool} from '../../src/redis/reader-pool.js'
import {type Command, encodeCommand, type Reply, RespParser} from '../../src/redis/resp.js'
import {type ConnectionSettings, DEFAULT_SETTINGS} from '../../src/redis/settings.js'
import {engines, type TestClusterOf, withClient} from '../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer} from '../helpers/servers.js'

const PASSWORD = 'reader-pw-7171'
const WITH_PASSWORD: ConnectionSettings = {...DEFAULT_SETTINGS, password: PASSWORD}

/**
 * Commands whose replies cover every RESP2 type: simple, bulk and nil strings, integers, errors, nested arrays.
 * Only replies that cannot change between two reads: CLUSTER NODES and CLUSTER INFO carry gossip counters.
 */
const EVERY_REPLY_TYPE: Command[] = [
  ['PING'],
  ['CLUSTER', 'MYID'],
  ['CLUSTER', 'SLOTS'],
  ['CONFIG', 'GET', 'cluster-node-timeout'],
  ['INFO', 'keyspace'],
  ['DBSIZE'],
  ['CLUSTER', 'KEYSLOT', 'ключ{тег}'],
  ['GET', 'reader:absent{a}'],
  ['GET', 'reader:text{a}'],
  ['GET', 'reader:big{a}'],
  ['LRANGE', 'reader:list{a}', 0, -1],
  ['HGETALL', 'reader:hash{a}'],
  ['GET', 'reader:elsewhere{b}'],
  ['NO-SUCH-COMMAND'],
  ['GET'],
]

/** Replies as data, with each error reduced to its message, so that the two clients' replies compare. */
function comparable(replies: readonly unknown[]): unknown[] {
  return replies.map((reply) => (reply instanceof Error ? {error: reply.message} : reply))
}

for (const engine of engines) {
  describe(`ReaderPool on ${engine.name}`, () => {
    let cluster: TestClusterOf | undefined
    /** The master that owns the slot of hash tag {a}, where the test keys live. */
    let owner = ''

    before(async () => {
      if (!redisServerAvailable()) return
      cluster = await engine.startCluster({masters: 3, password: PASSWORD})
      const ownerOfA = await withClient(cluster.masters[0]!, async (client) => {
        const slots = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
        const slot = Number(await client.call('CLUSTER', 'KEYSLOT', '{a}'))
        const [, , [host, port]] = slots.find(([start, end]) => start <= slot && slot <= end)!
        return `${host}:${port}`
      })
      owner = ownerOfA
      const node = cluster.masters.find((master) => master.address === owner)!
      await withClient(node, async (client) => {
        await client.set('reader:text{a}', 'héllo\r\nwörld')
        // Larger than a socket read, so that its bytes arrive in several chunks.
        await client.set('reader:big{a}', 'ключ-'.repeat(50_000))
        await client.rpush('reader:list{a}', 'one', '', 'three')
        await client.hset('reader:hash{a}', {field: 'value', other: '42'})
      })
    })
    after(() => cluster?.close())

    it('answers every reply type exactly as ioredis does, in one pipeline', async (t) => {
      if (!requireRedisServer(t)) return
      const reader = new ReaderPool(WITH_PASSWORD)
      const ioredis = new NodePool(WITH_PASSWORD)
      try {
        const [ours, theirs] = await Promise.all([
          reader.pipeline(owner, EVERY_REPLY_TYPE),
          ioredis.pipeline(owner, EVERY_REPLY_TYPE),
        ])
        assert.equal(ours.length, EVERY_REPLY_TYPE.length)
        assert.deepEqual(comparable(ours), comparable(theirs))
        assert.ok(ours.some((reply) => reply instanceof Error && reply.message.startsWith('MOVED')))
      } finally {
        await Promise.all([reader.close(), ioredis.close()])
      }
    })

    it('parses the same replies whether the bytes come whole or one at a time', async (t) => {
      if (!requireRedisServer(t)) return
      const bytes = await rawReplies(owner, [['AUTH', PASSWORD], ...EVERY_REPLY_TYPE, ['QUIT']])
      const whole = new RespParser().feed(bytes)
      const byteByByte = new RespParser()
      const pieces: Reply[] = []
      for (let i = 0; i < bytes.length; i++) pieces.push(...byteByByte.feed(bytes.subarray(i, i + 1)))
      assert.equal(whole.length, EVERY_REPLY_TYPE.length + 2)
      assert.deepEqual(comparable(pieces), comparable(whole))
    })

    it('reads 16384 pipelined replies in one batch, as --search-multiple-owners sends them', async (t) => {
      if (!requireRedisServer(t)) return
      const reader = new ReaderPool(WITH_PASSWORD)
      try {
        const slots = Array.from({length: 16_384}, (_, slot) => ['CLUSTER', 'COUNTKEYSINSLOT', slot])
        const counts = await reader.pipeline(owner, slots)
        const [dbsize] = await reader.pipeline(owner, [['DBSIZE']])
        assert.equal(
          counts.reduce<number>((sum, count) => sum + Number(count), 0),
          dbsize,
        )
      } finally {
        await reader.close()
      }
    })

    it('names a wrong password as such, and a missing one as NOAUTH on the first read', async (t) => {
      if (!requireRedisServer(t)) return
      const wrong = new ReaderPool({...DEFAULT_SETTINGS, password: 'reader-wrong-pw'})
      const none = new ReaderPool(DEFAULT_SETTINGS)
      try {
        const refused = await wrong.pipeline(owner, [['PING']]).then(
          () => assert.fail('a wrong password was accepted'),
          (error: unknown) => error,
        )
        assert.ok(refused instanceof ConnectionError)
        assert.equal(refused.code, 'AUTH_FAILED')
        assert.ok(!refused.message.includes('reader-wrong-pw'), refused.message)
        await assert.rejects(readNode(none, owner), {code: 'AUTH_REQUIRED'})
      } finally {
        await Promise.all([wrong.close(), none.close()])
      }
    })
  })
}

describe('ReaderPool against servers that fail', () => {
  const quick: ConnectionSettings = {commandTimeoutMs: 300, connectTimeoutMs: 300}
  const servers: Server[] = []
  const sockets: Socket[] = []
  after(() => {
    for (const socket of sockets) socket.destroy()
    for (const server of servers) server.close()
  })

  /** A TCP server on a free loopback port that handles each connection with `onConnection`. */
  async function serve(onConnection: (socket: Socket) => void): Promise<{accepted: () => number; address: string}> {
    let accepted = 0
    const server = createServer((socket) => {
      accepted++
      sockets.push(socket)
      onConnection(socket)
    })
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const {port} = server.address() as {port: number}
    return {accepted: () => accepted, address: `127.0.0.1:${port}`}
  }

  it('reports a refused connection as UNREACHABLE, naming the node', async () => {
    const {address} = await serve(() => {})
    servers.pop()!.close()
    const reader = new ReaderPool(quick)
    await assert.rejects(reader.pipeline(address, [['PING']]), {
      code: 'UNREACHABLE',
      message: `cannot connect to ${address}: connection refused (is the node running?)`,
    })
    await reader.close()
  })

  it('gives up on a server that accepts and never answers, after the command timeout', async () => {
    const {address} = await serve(() => {})
    const reader = new ReaderPool(quick)
    await assert.rejects(reader.pipeline(address, [['PING']]), {message: 'no reply within 300 ms'})
    await reader.close()
  })

  it('fails the commands a vanishing server leaves unanswered, then connects again', async () => {
    // Each connection gets one answer, then the server hangs up.
    const {accepted, address} = await serve((socket) => {
      socket.once('data', () => socket.end('+PONG\r\n'))
    })
    const reader = new ReaderPool(quick)
    await assert.rejects(reader.pipeline(address, [['PING'], ['PING']]), /the node closed the connection/)
    assert.deepEqual(await reader.pipeline(address, [['PING']]), ['PONG'])
    assert.equal(accepted(), 2)
    await reader.close()
  })

  it('stops at bytes that are not RESP instead of waiting for more', async () => {
    const {address} = await serve((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'))
    })
    const reader = new ReaderPool(quick)
    await assert.rejects(reader.pipeline(address, [['PING']]), /protocol error: the node sent "HTTP\/1.1 400/)
    await reader.close()
  })
})

/** Every byte a node sends in answer to `commands` on a fresh socket; the last command must be QUIT. */
async function rawReplies(address: string, commands: readonly Command[]): Promise<Buffer> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
  const socket = connect({host, port})
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.write(Buffer.concat(commands.map((command) => encodeCommand(command))))
  await once(socket, 'close')
  return Buffer.concat(chunks)
}
