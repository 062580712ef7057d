/**
 * One embedded node over raw sockets: pipelining across many clients, protocol errors that close the
 * connection, AUTH, RESP3, and transactions whose queued commands are redirected (EXECABORT).
 */
import assert from 'node:assert/strict'
import {connect, type Socket} from 'node:net'
import {test} from 'node:test'

import {startEmbeddedNode} from '../../../src/embedded/index.js'
import {startNodes} from './embedded-nodes.js'

/** A raw connection: write bytes, read until `done` says the collected text is complete. */
async function exchange(port: number, request: string, done: (text: string) => boolean): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1')
  let text = ''
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1')
        if (done(text)) resolve(text)
      })
      socket.on('close', () => resolve(text))
      socket.on('error', reject)
      socket.write(request)
    })
  } finally {
    socket.destroy()
  }
}

test('pipelined requests from many clients are answered in order', async (t) => {
  const [node] = await startNodes(t, 1, {clusterEnabled: false})
  assert.ok(node)
  const clients = 50
  const perClient = 200
  const results = await Promise.all(
    Array.from({length: clients}, (_, c) => {
      let request = ''
      for (let i = 0; i < perClient; i++)
        request += `*3\r\n$5\r\nRPUSH\r\n$${`l${c}`.length}\r\nl${c}\r\n$${String(i).length}\r\n${i}\r\n`
      return exchange(node.port, request, (text) => text.endsWith(`:${perClient}\r\n`))
    }),
  )
  for (const text of results) {
    const expected = Array.from({length: perClient}, (_, i) => `:${i + 1}\r\n`).join('')
    assert.equal(text, expected)
  }
})

test('a protocol error is answered, then the connection is closed', async (t) => {
  const [node] = await startNodes(t, 1, {clusterEnabled: false})
  assert.ok(node)
  const text = await exchange(node.port, 'PING\r\n*1\r\n:5\r\nPING\r\n', () => false)
  assert.equal(text, "+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n")
})

test('AUTH guards every command but AUTH, HELLO and QUIT', async (t) => {
  const [node] = await startNodes(t, 1, {password: 'pw'})
  assert.ok(node)
  const text = await exchange(node.port, 'GET k\r\nAUTH nope\r\nAUTH pw\r\nPING\r\nQUIT\r\n', (reply) =>
    reply.endsWith('+OK\r\n+PONG\r\n+OK\r\n'),
  )
  assert.equal(
    text,
    '-NOAUTH Authentication required.\r\n' +
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+PONG\r\n+OK\r\n',
  )
})

test('HELLO 3 switches to RESP3, and MULTI/EXEC with a refused command aborts', async (t) => {
  const [node] = await startNodes(t, 1)
  assert.ok(node)
  const hello = await exchange(node.port, 'CLUSTER ADDSLOTSRANGE 0 16383\r\nHELLO 3\r\nZSCORE z m\r\n', (text) =>
    text.endsWith('_\r\n'),
  )
  assert.match(hello, /^\+OK\r\n%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n[\s\S]*\r\n_\r\n$/)

  const reply = await exchange(
    node.port,
    'MULTI\r\nSET {b}x 1\r\nMSET {a}x 1 {b}y 2\r\nEXEC\r\nMULTI\r\nSET {b}x 1\r\nINCR {b}x\r\nEXEC\r\n',
    (text) => text.endsWith('*2\r\n+OK\r\n:2\r\n'),
  )
  assert.equal(
    reply,
    "+OK\r\n+QUEUED\r\n-CROSSSLOT Keys in request don't hash to the same slot\r\n" +
      '-EXECABORT Transaction discarded because of previous errors.\r\n' +
      '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n',
  )
})

test('refuses to listen anywhere but on loopback', async () => {
  await assert.rejects(startEmbeddedNode({host: '0.0.0.0', port: 7000}), /loopback addresses only/)
})
