import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {RdbFileError, type RdbEntry, readRdbFile, writeRdbFile} from '../../../../src/embedded/rdb/index.js'
import {DUMP_CASES} from './dump-cases.js'
import {rdbFixtures} from './fixtures.js'
import {bytesFromJson, normalize, valueFromJson} from './portable.js'

const text = (value: string) => Buffer.from(value)

function caseEntries(): RdbEntry[] {
  return DUMP_CASES.map((testCase, i) => ({
    key: text(`case:${testCase.name}`),
    value: testCase.value,
    ...(i % 3 === 0 ? {expireAtMs: 4_102_444_800_000 + i} : {}),
  }))
}

describe('readRdbFile of files Redis wrote', () => {
  for (const fixture of rdbFixtures()) {
    it(`${fixture.file}: the keys redis-server 7.0.15 loads from it`, () => {
      const actual = readRdbFile(fixture.data)
        .map((entry) => ({...entry, value: normalize(entry.value)}))
        .sort((a, b) => a.db - b.db || Buffer.compare(a.key, b.key))
      const expected = fixture.entries.map(({db, expireAtMs, key, value}) => ({
        db,
        key: bytesFromJson(key),
        value: normalize(valueFromJson(value)),
        ...(expireAtMs === undefined ? {} : {expireAtMs}),
      }))
      assert.deepEqual(actual, expected)
    })
  }
})

describe('writeRdbFile', () => {
  it('round-trips every case, with expiry times, through readRdbFile', () => {
    const entries = caseEntries()
    const read = readRdbFile(writeRdbFile(entries))
    assert.deepEqual(
      read.map((entry) => ({...entry, value: normalize(entry.value)})),
      entries.map((entry) => ({db: 0, ...entry, value: normalize(entry.value)})),
    )
  })

  it('writes REDIS0009, the AUX fields, SELECTDB 0, RESIZEDB and a checksum', () => {
    const file = writeRdbFile([{key: text('k'), value: {type: 'string', value: text('v')}}], {
      aux: {'repl-offset': '0'},
      createdAtMs: 1_700_000_000_000,
    })
    assert.equal(file.subarray(0, 9).toString(), 'REDIS0009')
    const latin1 = file.toString('latin1')
    for (const field of ['redis-bits', 'ctime', 'aof-base', 'repl-offset']) assert.ok(latin1.includes(field), field)
    assert.ok(latin1.includes('\xfe\x00\xfb\x01\x00\x00\x01k\x01v\xff'))
    assert.equal(readRdbFile(file).length, 1)
  })

  it('writes an empty database that still reads back', () => {
    assert.deepEqual(readRdbFile(writeRdbFile([])), [])
  })
})

describe('readRdbFile refuses', () => {
  const file = writeRdbFile([{key: text('k'), value: {items: [text('a')], type: 'list'}}])

  it('a file that is not RDB, or from a newer version', () => {
    assert.throws(() => readRdbFile(Buffer.from('HELLO0009')), RdbFileError)
    const newer = Buffer.from(file)
    newer.write('0013', 5)
    assert.throws(() => readRdbFile(newer), /unsupported RDB version 13/)
  })

  it('a checksum mismatch, but accepts a zero checksum (rdbchecksum no)', () => {
    const corrupt = Buffer.from(file)
    corrupt[corrupt.length - 1]! ^= 1
    assert.throws(() => readRdbFile(corrupt), /checksum mismatch/)
    const unchecked = Buffer.from(file)
    unchecked.fill(0, unchecked.length - 8)
    assert.equal(readRdbFile(unchecked).length, 1)
  })

  it('a truncated file or a corrupt value, saying what was wrong', () => {
    assert.throws(() => readRdbFile(file.subarray(0, file.length - 12)), /corrupt RDB file: truncated/)
    const corrupt = Buffer.from(file)
    corrupt.writeUInt8(0x0f, corrupt.indexOf('\x01\x01k', 0, 'latin1'))
    assert.throws(() => readRdbFile(corrupt), /unsupported RDB object type 15/)
  })
})
