/**
 * The values, in every type and encoding Redis 7.0 DUMPs, that the fixture capture script and the interop test
 * write to a real redis-server. Each case says which RDB type byte 7.0 answers DUMP with, so that a test fails
 * if a case stops covering the encoding it is named after.
 */
import type {Redis} from 'ioredis'

import type {PortableValue} from '../../../../src/embedded/rdb/index.js'

export type Arg = string | Buffer

export type DumpCase = {
  name: string
  description: string
  /** Run before writing the value (CONFIG SET, DEBUG), and `after` undoes them. */
  before?: Arg[][]
  after?: Arg[][]
  /** The RDB object type byte Redis 7.0 puts first in the DUMP payload. */
  rdbType: number
  value: PortableValue
}

const text = (value: string) => Buffer.from(value)
const texts = (values: string[]) => values.map(text)
const range = <T>(count: number, make: (i: number) => T): T[] => Array.from({length: count}, (_, i) => make(i))

/** Deterministic bytes with no 3-byte repeats to speak of, so LZF cannot shrink them. */
function incompressible(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length)
  let state = seed
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
    bytes[i] = 0x61 + ((state >>> 16) % 26)
  }

  return bytes
}

const ALL_BYTES = Buffer.from(range(256, (i) => String.fromCharCode(i)).join(''), 'latin1')
const BINARY_CHUNKS = [ALL_BYTES.subarray(0, 64), ALL_BYTES.subarray(64, 128), ALL_BYTES.subarray(128, 192)]
const BINARY_TAIL = ALL_BYTES.subarray(192)

const string = (value: Buffer): PortableValue => ({type: 'string', value})
const list = (items: string[]): PortableValue => ({items: texts(items), type: 'list'})
const set = (members: string[]): PortableValue => ({members: texts(members), type: 'set'})
const hash = (entries: Array<[string, string]>): PortableValue => ({
  entries: entries.map(([field, value]) => [text(field), text(value)]),
  type: 'hash',
})
const zset = (entries: Array<[string, number]>): PortableValue => ({
  entries: entries.map(([member, score]) => [text(member), score]),
  type: 'zset',
})

const LISTPACK_INTEGERS = ['1', '127', '128', '-1', '1000', '-1000', '4095', '-4096', '30000', '-32768', '-5000000']
const WIDE_INTEGERS = ['2000000000', '-2147483648', '9223372036854775807', '-9223372036854775808']

export const DUMP_CASES: DumpCase[] = [
  {description: 'short string (embstr)', name: 'string-embstr', rdbType: 0, value: string(text('bar'))},
  {description: 'empty string', name: 'string-empty', rdbType: 0, value: string(text(''))},
  {
    description: 'raw string that LZF cannot shrink: stored verbatim',
    name: 'string-raw',
    rdbType: 0,
    value: string(incompressible(60, 7)),
  },
  {description: 'integer string, int8 encoding', name: 'string-int8', rdbType: 0, value: string(text('-100'))},
  {description: 'integer string, int16 encoding', name: 'string-int16', rdbType: 0, value: string(text('12345'))},
  {description: 'integer string, int32 encoding', name: 'string-int32', rdbType: 0, value: string(text('-2000000000'))},
  {
    description: 'integer beyond int32: saved as its digits',
    name: 'string-int64-digits',
    rdbType: 0,
    value: string(text('100000000000')),
  },
  {
    description: 'non-canonical integer: saved as text',
    name: 'string-leading-zero',
    rdbType: 0,
    value: string(text('007')),
  },
  {description: '62 bytes of "a": LZF-compressed', name: 'string-lzf', rdbType: 0, value: string(text('a'.repeat(62)))},
  {
    description: '16 KB of repeated text: LZF with long back references',
    name: 'string-lzf-long',
    rdbType: 0,
    value: string(text('slotctl moves keys; '.repeat(800))),
  },
  {description: 'all 256 byte values', name: 'string-binary', rdbType: 0, value: string(ALL_BYTES)},
  {
    description: 'list in one listpack node: every listpack integer width and string length class',
    name: 'list-listpack',
    rdbType: 18,
    value: list(['a', '', ...LISTPACK_INTEGERS, ...WIDE_INTEGERS, '007', '1.5', '-0', 'x'.repeat(100)]),
  },
  {
    description: 'list with a 5000-byte element (32-bit string length in the listpack)',
    name: 'list-long-element',
    rdbType: 18,
    value: list(['head', `${'z'.repeat(4990)}0123456789`, 'tail']),
  },
  {
    description: 'quicklist of several listpack nodes (list-max-listpack-size 4)',
    before: [['CONFIG', 'SET', 'list-max-listpack-size', '4']],
    after: [['CONFIG', 'SET', 'list-max-listpack-size', '-2']],
    name: 'list-quicklist-nodes',
    rdbType: 18,
    value: list(range(22, (i) => `item:${i}`)),
  },
  {
    description: 'big list, default settings: several 8 KB listpack nodes',
    name: 'list-quicklist-big',
    rdbType: 18,
    value: list(range(1500, (i) => `element-${i}`)),
  },
  {
    description: 'quicklist with a PLAIN node (an element above the packed threshold)',
    before: [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100']],
    after: [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0']],
    name: 'list-plain-node',
    rdbType: 18,
    value: list(['small', 'p'.repeat(200), 'tiny', '42']),
  },
  {
    description: 'list of binary elements',
    name: 'list-binary',
    rdbType: 18,
    value: {items: [...BINARY_CHUNKS, BINARY_TAIL], type: 'list'},
  },
  {description: 'intset, 16-bit', name: 'set-intset-16', rdbType: 11, value: set(['1', '2', '3', '-5', '32767'])},
  {description: 'intset, 32-bit', name: 'set-intset-32', rdbType: 11, value: set(['1', '70000', '-70000'])},
  {
    description: 'intset, 64-bit',
    name: 'set-intset-64',
    rdbType: 11,
    value: set(['1', '5000000000', '-9223372036854775808', '9223372036854775807']),
  },
  {
    description: 'small set of strings: Redis 7.0 has no listpack sets, this is a hash table',
    name: 'set-hashtable-small',
    rdbType: 2,
    value: set(['a', 'b', 'c']),
  },
  {
    description: '600 integers, above set-max-intset-entries: hash table of int-encoded strings',
    name: 'set-hashtable-integers',
    rdbType: 2,
    value: set(range(600, (i) => String(i * 7 - 2000))),
  },
  {
    description: 'set of binary members',
    name: 'set-binary',
    rdbType: 2,
    value: {members: [...BINARY_CHUNKS, BINARY_TAIL], type: 'set'},
  },
  {
    description: 'small hash: listpack, with integer fields and values',
    name: 'hash-listpack',
    rdbType: 16,
    value: hash([
      ['f1', 'v1'],
      ['f2', '2'],
      ['100', '-7'],
      ['big', '9223372036854775807'],
      ['empty', ''],
    ]),
  },
  {
    description: '600 fields, above hash-max-listpack-entries (512 in 7.0): hash table',
    name: 'hash-hashtable-big',
    rdbType: 4,
    value: hash(range<[string, string]>(600, (i) => [`field:${i}`, i % 3 === 0 ? String(i) : `value-${i}`])),
  },
  {
    description: 'a 100-byte value, above hash-max-listpack-value: hash table',
    name: 'hash-hashtable-long-value',
    rdbType: 4,
    value: hash([
      ['short', 's'],
      ['long', 'L'.repeat(100)],
    ]),
  },
  {
    description: 'hash with binary fields and values',
    name: 'hash-binary',
    rdbType: 16,
    value: {
      entries: [
        [BINARY_CHUNKS[0]!, BINARY_CHUNKS[1]!],
        [BINARY_CHUNKS[2]!, BINARY_TAIL],
      ],
      type: 'hash',
    },
  },
  {
    description: 'small zset: listpack, scores as integers, decimals and infinities',
    name: 'zset-listpack',
    rdbType: 17,
    value: zset([
      ['a', 1],
      ['b', 2.5],
      ['c', -3],
      ['d', 1e300],
      ['e', Infinity],
      ['f', -Infinity],
      ['g', 0.1],
      ['h', 0],
      ['i', -0.5],
      ['10', 10],
      ['j', 5_000_000_000],
      ['k', 1e-300],
    ]),
  },
  {
    description: '200 members, above zset-max-listpack-entries (128): skiplist',
    name: 'zset-skiplist-big',
    rdbType: 5,
    value: zset(range<[string, number]>(200, (i) => [`member:${i}`, (i % 17) * 1.25 - 3])),
  },
  {
    description: 'a 100-byte member, above zset-max-listpack-value: skiplist',
    name: 'zset-skiplist-long-member',
    rdbType: 5,
    value: zset([
      ['M'.repeat(100), 3.75],
      ['x', -Infinity],
    ]),
  },
  {
    description: 'zset of binary members',
    name: 'zset-binary',
    rdbType: 17,
    value: {
      entries: [
        [BINARY_CHUNKS[0]!, 1],
        [BINARY_CHUNKS[1]!, 2],
        [BINARY_TAIL, 3],
      ],
      type: 'zset',
    },
  },
]

/** Batches of arguments per write command, so that big values do not make one huge command. */
const BATCH = 100

/** The commands that make `key` hold `value` on a real server. */
export function writeCommands(key: Arg, value: PortableValue): Arg[][] {
  switch (value.type) {
    case 'string': {
      return [['SET', key, value.value]]
    }

    case 'list': {
      return batches(value.items).map((items) => ['RPUSH', key, ...items])
    }

    case 'set': {
      return batches(value.members).map((members) => ['SADD', key, ...members])
    }

    case 'hash': {
      return batches(value.entries).map((entries) => ['HSET', key, ...entries.flat()])
    }

    case 'zset': {
      return batches(value.entries).map((entries) => [
        'ZADD',
        key,
        ...entries.flatMap(([member, score]) => [formatScore(score), member]),
      ])
    }
  }
}

function batches<T>(items: T[]): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += BATCH) result.push(items.slice(i, i + BATCH))
  return result
}

function formatScore(score: number): string {
  if (score === Infinity) return 'inf'
  if (score === -Infinity) return '-inf'
  return String(score)
}

export async function run(client: Redis, commands: Arg[][]): Promise<void> {
  for (const [command, ...args] of commands) {
    await client.callBuffer(String(command), args)
  }
}

/** What the server holds at `key`, read with the type's own commands. */
export async function readBack(client: Redis, key: Arg): Promise<PortableValue> {
  const type = await client.type(key)
  const call = (command: string, ...args: Arg[]) => client.callBuffer(command, [key, ...args]) as Promise<Buffer[]>
  switch (type) {
    case 'string': {
      return {type: 'string', value: (await client.callBuffer('GET', [key])) as Buffer}
    }

    case 'list': {
      return {items: await call('LRANGE', '0', '-1'), type: 'list'}
    }

    case 'set': {
      return {members: await call('SMEMBERS'), type: 'set'}
    }

    case 'hash': {
      return {entries: pairs(await call('HGETALL')), type: 'hash'}
    }

    case 'zset': {
      const entries = pairs(await call('ZRANGE', '0', '-1', 'WITHSCORES'))
      return {entries: entries.map(([member, score]) => [member, parseScore(score.toString())]), type: 'zset'}
    }

    default: {
      throw new Error(`unexpected type ${type} at ${String(key)}`)
    }
  }
}

function pairs(flat: Buffer[]): Array<[Buffer, Buffer]> {
  const result: Array<[Buffer, Buffer]> = []
  for (let i = 0; i < flat.length; i += 2) result.push([flat[i]!, flat[i + 1]!])
  return result
}

function parseScore(score: string): number {
  if (score === 'inf') return Infinity
  if (score === '-inf') return -Infinity
  return Number(score)
}
