import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  formatDouble,
  parseInteger,
  ProtocolError,
  ReplyWriter,
  RequestParser,
  splitInlineArgs,
} from '../../../src/embedded/resp.js'

function parseAll(chunks: (string | Buffer)[], authenticated = true): string[][] {
  const parser = new RequestParser()
  const requests: string[][] = []
  for (const chunk of chunks) {
    parser.append(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    for (let args = parser.next(authenticated); args; args = parser.next(authenticated))
      requests.push(args.map((arg) => arg.toString()))
  }

  return requests
}

function protocolError(chunks: string[], authenticated = true): string {
  try {
    parseAll(chunks, authenticated)
  } catch (error) {
    assert.ok(error instanceof ProtocolError)
    return error.message
  }

  return 'no error'
}

describe('RequestParser', () => {
  it('reads pipelined multibulk requests split anywhere', () => {
    const wire = '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'
    const expected = [
      ['GET', 'k'],
      ['SET', 'k', ''],
    ]
    for (let cut = 0; cut <= wire.length; cut++) {
      assert.deepEqual(parseAll([wire.slice(0, cut), wire.slice(cut)]), expected, `cut at ${cut}`)
    }

    assert.deepEqual(parseAll([...wire]), expected)
  })

  it('collects a big bulk argument across many chunks', () => {
    const value = 'x'.repeat(200_000)
    const wire = `*2\r\n$4\r\nECHO\r\n$${value.length}\r\n${value}\r\n`
    const chunks: string[] = []
    for (let i = 0; i < wire.length; i += 1000) chunks.push(wire.slice(i, i + 1000))
    assert.deepEqual(parseAll(chunks), [['ECHO', value]])
  })

  it('reads inline requests, with quotes and escapes, and ignores empty lines and empty multibulks', () => {
    assert.deepEqual(parseAll(["PING\r\n\r\n  \nECHO \"a b\\x41\\n\" 'c\\'d'\n*0\r\n*-1\r\n"]), [
      ['PING'],
      ['ECHO', 'a bA\n', "c'd"],
    ])
  })

  it("refuses what Redis refuses, with Redis' texts", () => {
    assert.equal(protocolError(['*2\r\n:1\r\n']), "Protocol error: expected '$', got ':'")
    assert.equal(protocolError(['*x\r\n']), 'Protocol error: invalid multibulk length')
    assert.equal(protocolError(['*1\r\n$-2\r\n']), 'Protocol error: invalid bulk length')
    assert.equal(protocolError(['*1\r\n$536870913\r\n']), 'Protocol error: invalid bulk length')
    assert.equal(protocolError(['ECHO "a\n']), 'Protocol error: unbalanced quotes in request')
    assert.equal(protocolError(['ECHO "a"b\n']), 'Protocol error: unbalanced quotes in request')
    assert.equal(protocolError(['x'.repeat(70_000)]), 'Protocol error: too big inline request')
    assert.equal(protocolError([`*1${'1'.repeat(70_000)}`]), 'Protocol error: too big mbulk count string')
    assert.equal(protocolError(['*11\r\n'], false), 'Protocol error: unauthenticated multibulk length')
    assert.equal(protocolError(['*1\r\n$16385\r\n'], false), 'Protocol error: unauthenticated bulk length')
  })
})

describe('splitInlineArgs', () => {
  it('splits like sdssplitargs', () => {
    const split = (text: string) => splitInlineArgs(Buffer.from(text))?.map((arg) => arg.toString())
    assert.deepEqual(split('  a  b\tc '), ['a', 'b', 'c'])
    assert.deepEqual(split('"\\t\\r\\a\\b\\\\\\""'), ['\t\r\u0007\b\\"'])
    assert.deepEqual(split("''"), [''])
    assert.equal(split("'abc"), undefined)
  })
})

describe('parseInteger', () => {
  it('accepts what string2ll accepts', () => {
    assert.equal(parseInteger(Buffer.from('-123')), -123)
    assert.equal(parseInteger(Buffer.from('0')), 0)
    for (const bad of ['', '-', '+1', '01', '1 ', ' 1', '1.0', '99999999999999999999'])
      assert.equal(parseInteger(Buffer.from(bad)), undefined, bad)
  })
})

describe('formatDouble', () => {
  it('prints like %.17g', () => {
    const cases: [number, string][] = [
      [1, '1'],
      [2.5, '2.5'],
      [0.1, '0.10000000000000001'],
      [1e20, '1e+20'],
      [1.5e-7, '1.4999999999999999e-07'],
      [-0, '-0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
    ]
    for (const [value, text] of cases) assert.equal(formatDouble(value), text)
  })
})

describe('ReplyWriter', () => {
  it('writes RESP2 and RESP3 shapes of the same reply', () => {
    const write = (protocol: 2 | 3) => {
      const reply = new ReplyWriter()
      reply.protocol = protocol
      reply.map(1)
      reply.bulk('k')
      reply.double(1.5)
      reply.nullBulk()
      reply.boolean(true)
      reply.verbatim('a\r\n')
      reply.set(0)
      reply.error('ERR bad\r\nthing')
      return reply.pending().toString()
    }

    assert.equal(write(2), '*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n$-1\r\n:1\r\n$3\r\na\r\n\r\n*0\r\n-ERR bad  thing\r\n')
    assert.equal(write(3), '%1\r\n$1\r\nk\r\n,1.5\r\n_\r\n#t\r\n=7\r\ntxt:a\r\n\r\n~0\r\n-ERR bad  thing\r\n')
  })

  it('grows past its first buffer and starts empty once sent', () => {
    const reply = new ReplyWriter()
    const big = Buffer.alloc(100_000, 0x61)
    reply.bulk(big)
    assert.equal(reply.pending().length, '$100000\r\n'.length + 100_000 + 2)
    reply.sent(false)
    assert.equal(reply.size, 0)
  })

  it('writes integers and counts of every size', () => {
    const reply = new ReplyWriter()
    for (const value of [0, 7, 10, 99, 100, 2_147_483_647, 2_147_483_648, -1, -2, 2 ** 53, 9_223_372_036_854_775_807n])
      reply.integer(value)
    reply.array(1000)
    const expected = [
      ':0',
      ':7',
      ':10',
      ':99',
      ':100',
      ':2147483647',
      ':2147483648',
      ':-1',
      ':-2',
      ':9007199254740992',
      ':9223372036854775807',
      '*1000',
    ]
    assert.equal(reply.pending().toString(), expected.map((line) => `${line}\r\n`).join(''))
  })

  it('leaves a buffer the socket still holds untouched', () => {
    const reply = new ReplyWriter()
    reply.status('first')
    const held = reply.pending()
    reply.sent(true)
    reply.status('second')
    assert.equal(held.toString(), '+first\r\n')
    assert.equal(reply.pending().toString(), '+second\r\n')
  })
})
