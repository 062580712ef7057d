import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  BadDataFormatError,
  DumpPayloadError,
  type PortableValue,
  crc64,
  decodeDump,
  encodeDump,
} from '../../../../src/embedded/rdb/index.js'
import {DUMP_CASES} from './dump-cases.js'
import {dumpFixtures} from './fixtures.js'
import {normalize, valueFromJson} from './portable.js'

/** A payload with a valid footer around `body` (type byte + object body). */
function signed(body: Buffer | string, version = 9): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body.replaceAll(' ', ''), 'hex') : body
  const versionBytes = Buffer.alloc(2)
  versionBytes.writeUInt16LE(version)
  const unsigned = Buffer.concat([bytes, versionBytes])
  const checksum = Buffer.alloc(8)
  checksum.writeBigUInt64LE(crc64(unsigned))
  return Buffer.concat([unsigned, checksum])
}

const body = (payload: Buffer) => payload.subarray(0, -10)
const text = (value: string) => Buffer.from(value)

function assertBadData(payload: Buffer, detail: RegExp): void {
  assert.throws(
    () => decodeDump(payload),
    (error: unknown) => {
      assert.ok(error instanceof BadDataFormatError, String(error))
      assert.ok(error instanceof DumpPayloadError)
      assert.equal(error.message, 'Bad data format')
      assert.match(error.detail, detail)
      return true
    },
  )
}

function assertVersionOrChecksum(payload: Buffer): void {
  assert.throws(
    () => decodeDump(payload),
    (error: unknown) => {
      assert.ok(error instanceof DumpPayloadError && !(error instanceof BadDataFormatError), String(error))
      assert.equal(error.message, 'DUMP payload version or checksum are wrong')
      return true
    },
  )
}

describe('decodeDump of payloads captured from Redis 7.0.15', () => {
  for (const fixture of dumpFixtures()) {
    it(`${fixture.name}: ${fixture.description} (${fixture.encoding}, type ${fixture.rdbType})`, () => {
      const payload = Buffer.from(fixture.payload, 'hex')
      assert.equal(payload[0], fixture.rdbType)
      assert.deepEqual(normalize(decodeDump(payload)), normalize(valueFromJson(fixture.value)))
    })
  }

  it('covers every type and encoding Redis 7.0 DUMPs', () => {
    const types = new Set(dumpFixtures().map((fixture) => fixture.rdbType))
    assert.deepEqual(
      [...types].sort((a, b) => a - b),
      [0, 2, 4, 5, 11, 16, 17, 18],
    )
    const encodings = new Set(dumpFixtures().map((fixture) => fixture.encoding))
    for (const encoding of ['embstr', 'raw', 'int', 'quicklist', 'intset', 'hashtable', 'listpack', 'skiplist']) {
      assert.ok(encodings.has(encoding), encoding)
    }
  })
})

describe('encodeDump', () => {
  for (const testCase of DUMP_CASES) {
    it(`round-trips ${testCase.name}`, () => {
      assert.deepEqual(normalize(decodeDump(encodeDump(testCase.value))), normalize(testCase.value))
    })
  }

  it('writes strings byte for byte as Redis does, LZF blobs aside', () => {
    for (const fixture of dumpFixtures().filter((candidate) => candidate.rdbType === 0)) {
      const payload = Buffer.from(fixture.payload, 'hex')
      const isLzf = payload[1] === 0xc3
      if (!isLzf) assert.deepEqual(body(encodeDump(valueFromJson(fixture.value))), body(payload), fixture.name)
    }
  })

  it('stamps RDB version 9 and uses the legacy types 0, 1, 2, 4, 5', () => {
    const values: Array<[PortableValue, number]> = [
      [{type: 'string', value: text('v')}, 0],
      [{items: [text('a')], type: 'list'}, 1],
      [{members: [text('a')], type: 'set'}, 2],
      [{entries: [[text('f'), text('v')]], type: 'hash'}, 4],
      [{entries: [[text('m'), 1.5]], type: 'zset'}, 5],
    ]
    for (const [value, type] of values) {
      const payload = encodeDump(value)
      assert.equal(payload[0], type)
      assert.equal(payload.readUInt16LE(payload.length - 10), 9)
    }
  })

  it('encodes canonical integers in 1, 2 or 4 bytes and keeps everything else as text', () => {
    const encoded = (value: string) =>
      body(encodeDump({type: 'string', value: text(value)}))
        .subarray(1)
        .toString('hex')
    assert.equal(encoded('0'), 'c000')
    assert.equal(encoded('-128'), 'c080')
    assert.equal(encoded('128'), 'c18000')
    assert.equal(encoded('-32769'), 'c2ff7fffff')
    assert.equal(encoded('2147483647'), 'c2ffffff7f')
    assert.equal(encoded('2147483648'), `0a${text('2147483648').toString('hex')}`)
    assert.equal(encoded('-0'), `02${text('-0').toString('hex')}`)
    assert.equal(encoded('+1'), `02${text('+1').toString('hex')}`)
    assert.equal(encoded('01'), `02${text('01').toString('hex')}`)
  })

  it('compresses long compressible strings with LZF and leaves incompressible ones alone', () => {
    const compressed = encodeDump({type: 'string', value: text('a'.repeat(1000))})
    assert.equal(compressed[1], 0xc3)
    assert.ok(compressed.length < 40)
    const short = encodeDump({type: 'string', value: text('a'.repeat(20))})
    assert.equal(short[1], 20)
  })

  it('writes zsets highest score first, with infinities, and refuses NaN', () => {
    const value: PortableValue = {
      entries: [
        [text('low'), -Infinity],
        [text('high'), Infinity],
        [text('mid'), 0.5],
      ],
      type: 'zset',
    }
    const payload = encodeDump(value)
    assert.equal(payload.subarray(2, 7).toString(), '\u0004high')
    assert.deepEqual(decodeDump(payload), normalize(value))
    assert.throws(() => encodeDump({entries: [[text('m'), Number.NaN]], type: 'zset'}), RangeError)
  })

  it('refuses empty collections, which Redis would refuse to RESTORE', () => {
    assert.throws(() => encodeDump({items: [], type: 'list'}), RangeError)
    assert.throws(() => encodeDump({members: [], type: 'set'}), RangeError)
    assert.throws(() => encodeDump({entries: [], type: 'hash'}), RangeError)
    assert.throws(() => encodeDump({entries: [], type: 'zset'}), RangeError)
  })
})

describe('decodeDump of encodings Redis 7.0 does not write', () => {
  it('reads listpack sets (type 20, Redis 7.2) and 7.4 footers', () => {
    assert.deepEqual(decodeDump(signed('14 0e 0e000000 0200 8161 02 f1 3930 03 ff', 11)), {
      members: [text('a'), text('12345')],
      type: 'set',
    })
    assert.deepEqual(decodeDump(signed('10 0d 0d000000 0200 8166 02 8176 02 ff', 12)), {
      entries: [[text('f'), text('v')]],
      type: 'hash',
    })
  })
})

describe('decodeDump footer checks (RESTORE: "DUMP payload version or checksum are wrong")', () => {
  const good = encodeDump({type: 'string', value: text('bar')})

  it('refuses a payload shorter than the footer', () => {
    assertVersionOrChecksum(Buffer.alloc(9))
  })

  it('refuses a wrong checksum, a changed byte and a truncated payload', () => {
    const flippedChecksum = Buffer.from(good)
    flippedChecksum[flippedChecksum.length - 1]! ^= 1
    assertVersionOrChecksum(flippedChecksum)
    const flippedBody = Buffer.from(good)
    flippedBody[2]! ^= 1
    assertVersionOrChecksum(flippedBody)
    assertVersionOrChecksum(Buffer.concat([good.subarray(0, 2), good.subarray(3)]))
  })

  it('accepts the versions Redis 6.2 to 7.4 write (9 to 12) and refuses newer ones', () => {
    for (const version of [1, 9, 10, 11, 12])
      assert.deepEqual(decodeDump(signed('00 03 626172', version)).type, 'string')
    assertVersionOrChecksum(signed('00 03 626172', 13))
    assertVersionOrChecksum(signed('00 03 626172', 80))
  })

  it('ignores bytes after the value, as Redis does', () => {
    assert.deepEqual(decodeDump(signed('00 03 626172 ff')), {type: 'string', value: text('bar')})
  })
})

describe('decodeDump body checks (RESTORE: "Bad data format")', () => {
  it('refuses a missing or truncated value', () => {
    assertBadData(signed(''), /truncated/)
    assertBadData(signed('00 05 6261'), /truncated/)
    assertBadData(signed('01 03 0161'), /truncated/)
  })

  it('refuses types it cannot hold: modules, streams, hashes with field expiry', () => {
    for (const type of ['06', '07', '0f', '13', '15', '16', '17', '18', '19', '1a', '08']) {
      assertBadData(signed(`${type} 00`), /unsupported RDB object type/)
    }
  })

  it('refuses empty collections', () => {
    assertBadData(signed('01 00'), /empty/)
    assertBadData(signed('02 00'), /empty/)
    assertBadData(signed('04 00'), /empty/)
    assertBadData(signed('05 00'), /empty/)
    assertBadData(signed('12 00'), /empty/)
  })

  it('refuses duplicate members and fields', () => {
    assertBadData(signed('02 02 0161 0161'), /duplicate/)
    assertBadData(signed('04 02 0166 0176 0166 0177'), /duplicate/)
    assertBadData(signed('05 02 0161 000000000000f03f 0161 0000000000000040'), /duplicate/)
    // A listpack hash {a: 1, a: 2}: Redis 7.0 only checks this with sanitize-dump-payload yes; we always do.
    assertBadData(signed('10 11 11000000 0400 8161 02 01 01 8161 02 02 01 ff'), /duplicate/)
  })

  it('refuses NaN scores', () => {
    assertBadData(signed('05 01 0161 000000000000f87f'), /NaN/)
    assertBadData(signed('03 01 0161 fd'), /NaN/)
    assertBadData(signed('11 0f 0f000000 0200 8161 02 836e616e 04 ff'), /not a number/)
  })

  it('refuses unknown string and length encodings', () => {
    assertBadData(signed('00 c4'), /unknown string encoding/)
    assertBadData(signed('00 82'), /unknown length encoding/)
    assertBadData(signed('01 c0 01'), /where a length was expected/)
  })

  it('refuses corrupt LZF strings', () => {
    assertBadData(signed('00 c3 02 05 2005'), /before the start/)
    assertBadData(signed('00 c3 01 4100 00'), /cannot expand/)
  })

  it('refuses corrupt listpacks', () => {
    // Header total size wrong, terminator missing, back-length wrong, element count wrong, odd pairs.
    assertBadData(signed('10 0d 0c000000 0200 8161 02 8162 02 ff'), /total size/)
    assertBadData(signed('12 01 02 0c 0c000000 0200 8161 02 8162 02'), /terminator/)
    assertBadData(signed('12 01 02 0c 0c000000 0200 8161 03 01 01 ff'), /back-length/)
    assertBadData(signed('12 01 02 0c 0c000000 0300 8161 02 01 01 ff'), /element count/)
    assertBadData(signed('10 0f 0f000000 0300 8161 02 01 01 8162 02 ff'), /odd number/)
  })

  it('refuses corrupt intsets', () => {
    assertBadData(signed('0b 0c 02000000 02000000 0200 0100'), /ascending/)
    assertBadData(signed('0b 0c 02000000 02000000 0100 0100'), /ascending/)
    assertBadData(signed('0b 0a 02000000 02000000 0100'), /size/)
    assertBadData(signed('0b 08 02000000 00000000'), /no elements/)
    assertBadData(signed('0b 0a 03000000 01000000 0100'), /width/)
  })

  it('refuses an unknown quicklist container', () => {
    assertBadData(signed('12 01 03 0161'), /container/)
  })
})

describe('decodeDump of damaged payloads', () => {
  it('throws nothing but DumpPayloadError for 2000 mutations of the captured payloads', () => {
    let seed = 42
    const random = (limit: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return seed % limit
    }

    const mutate = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(bytes)
      switch (random(3)) {
        case 0: {
          for (let changes = random(3); changes >= 0; changes--) copy[random(copy.length)] = random(256)
          return copy
        }

        case 1: {
          return copy.subarray(0, random(copy.length))
        }

        default: {
          const at = random(copy.length)
          return Buffer.concat([copy.subarray(0, at), Buffer.from([random(256)]), copy.subarray(at)])
        }
      }
    }

    for (const fixture of dumpFixtures()) {
      const payload = Buffer.from(fixture.payload, 'hex')
      for (let attempt = 0; attempt < 60; attempt++) {
        const damaged = signed(mutate(body(payload)))
        try {
          decodeDump(damaged)
        } catch (error) {
          // The message is built only on failure: building it for every refusal would cost seconds.
          if (!(error instanceof DumpPayloadError))
            assert.fail(`${fixture.name}: ${String(error)} for ${damaged.toString('hex')}`)
        }
      }
    }
  })
})

/** A ziplist blob from entries given as their encoding + data bytes: the previous-lengths and header are added. */
function ziplist(entries: string[]): string {
  const parts: Buffer[] = []
  let previous = 0
  for (const entry of entries) {
    const bytes = Buffer.from(entry.replaceAll(' ', ''), 'hex')
    const prevlen = previous < 254 ? Buffer.from([previous]) : Buffer.from([0xfe, 0, 0, 0, 0])
    if (previous >= 254) prevlen.writeUInt32LE(previous, 1)
    parts.push(prevlen, bytes)
    previous = prevlen.length + bytes.length
  }

  const content = Buffer.concat(parts)
  const header = Buffer.alloc(10)
  header.writeUInt32LE(10 + content.length + 1, 0)
  header.writeUInt32LE(10 + content.length - previous, 4)
  header.writeUInt16LE(entries.length, 8)
  const blob = Buffer.concat([header, content, Buffer.from([0xff])])
  return rdbString(blob)
}

/** An RDB string: 6-bit or 14-bit length, then the bytes. */
function rdbString(bytes: Buffer): string {
  const length =
    bytes.length < 64 ? Buffer.from([bytes.length]) : Buffer.from([0x40 | (bytes.length >> 8), bytes.length & 0xff])
  return `${length.toString('hex')} ${bytes.toString('hex')}`
}

describe('decodeDump of Redis 6.2 and older encodings (ziplist, quicklist v1, zipmap)', () => {
  const allIntegers = ['01 61', 'fe fd', 'c0 e803', 'f0 c0b4b3', 'd0 00943577', 'e0 0000000000000080', 'f8', 'f1', 'fd']

  it('reads every ziplist entry encoding in a quicklist v1 (type 14)', () => {
    const long = `40 40 ${Buffer.alloc(64, 'x').toString('hex')}`
    const huge = `80 00000100 ${Buffer.alloc(256, 'y').toString('hex')}`
    const value = decodeDump(signed(`0e 02 ${ziplist(allIntegers)} ${ziplist([long, huge])}`))
    const items = ['a', '-3', '1000', '-5000000', '2000000000', '-9223372036854775808', '7', '0', '12']
    assert.deepEqual(value, {items: [...items.map(text), Buffer.alloc(64, 'x'), Buffer.alloc(256, 'y')], type: 'list'})
  })

  it('reads ziplist lists (10), hashes (13) and zsets (12)', () => {
    assert.deepEqual(decodeDump(signed(`0a ${ziplist(['01 61', 'f3'])}`)), {
      items: [text('a'), text('2')],
      type: 'list',
    })
    assert.deepEqual(decodeDump(signed(`0d ${ziplist(['01 66', '01 76', '02 6632', 'c0 e803'])}`)), {
      entries: [
        [text('f'), text('v')],
        [text('f2'), text('1000')],
      ],
      type: 'hash',
    })
    assert.deepEqual(
      decodeDump(signed(`0c ${ziplist(['01 62', '03 322e35', '01 61', 'f2', '01 63', '04 2d696e66'])}`)),
      {
        entries: [
          [text('c'), -Infinity],
          [text('a'), 1],
          [text('b'), 2.5],
        ],
        type: 'zset',
      },
    )
  })

  it('refuses a ziplist whose previous-length is wrong', () => {
    const blob = ziplist(['01 61', '01 62']).split(' ')[1]!
    const corrupt = Buffer.from(blob, 'hex')
    corrupt[13] = 2
    assertBadData(signed(`0a ${rdbString(corrupt)}`), /previous-length/)
  })

  it('reads zipmap hashes (type 9, Redis 2.4)', () => {
    const zipmap = Buffer.from(
      '02 03 666f6f 03 00 626172 05 68656c6c6f 05 02 776f726c64 0000 ff'.replaceAll(' ', ''),
      'hex',
    )
    assert.deepEqual(decodeDump(signed(`09 ${rdbString(zipmap)}`)), {
      entries: [
        [text('foo'), text('bar')],
        [text('hello'), text('world')],
      ],
      type: 'hash',
    })
  })

  it('reads legacy zsets with scores as text (type 3)', () => {
    assert.deepEqual(decodeDump(signed('03 03 0161 03 322e35 0162 fe 0163 ff')), {
      entries: [
        [text('c'), -Infinity],
        [text('a'), 2.5],
        [text('b'), Infinity],
      ],
      type: 'zset',
    })
  })
})
