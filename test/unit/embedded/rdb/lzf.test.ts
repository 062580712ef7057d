import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {LzfError, lzfCompress, lzfDecompress} from '../../../../src/embedded/rdb/index.js'

function pseudoRandom(length: number): Buffer {
  const bytes = Buffer.alloc(length)
  let state = 1
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    bytes[i] = state >>> 24
  }

  return bytes
}

function roundTrip(input: Buffer): Buffer {
  const compressed = lzfCompress(input)
  assert.deepEqual(lzfDecompress(compressed, input.length), input)
  return compressed
}

describe('LZF', () => {
  it('decompresses what Redis 7.0.15 wrote for 62 x "a"', () => {
    const compressed = Buffer.from('01 6161 e0 31 00 01 6161'.replaceAll(' ', ''), 'hex')
    assert.equal(lzfDecompress(compressed, 62).toString(), 'a'.repeat(62))
  })

  it('round-trips empty, tiny, repetitive, text-like and incompressible inputs', () => {
    roundTrip(Buffer.alloc(0))
    roundTrip(Buffer.from('a'))
    roundTrip(Buffer.from('abc'))
    roundTrip(Buffer.from('slotctl moves keys; '.repeat(500)))
    roundTrip(pseudoRandom(10_000))
    roundTrip(Buffer.concat([pseudoRandom(9000), pseudoRandom(9000)]))
  })

  it('compresses long runs into long back references', () => {
    const compressed = roundTrip(Buffer.alloc(100_000, 'z'))
    assert.ok(compressed.length < 1200, `${compressed.length} bytes`)
  })

  it('keeps matches within the 8 KB window', () => {
    const block = pseudoRandom(300)
    roundTrip(Buffer.concat([block, pseudoRandom(8000), block, pseudoRandom(8200), block]))
  })

  it('refuses streams that do not produce the announced length', () => {
    const compressed = lzfCompress(Buffer.from('hello hello hello hello'))
    assert.throws(() => lzfDecompress(compressed, 22), LzfError)
    assert.throws(() => lzfDecompress(compressed, 24), LzfError)
  })

  it('refuses back references before the start and truncated input', () => {
    assert.throws(() => lzfDecompress(Buffer.from([0x20, 0x05]), 3), /before the start/)
    assert.throws(() => lzfDecompress(Buffer.from([0x05, 0x61]), 6), /past the end/)
    assert.throws(() => lzfDecompress(Buffer.from([0x00, 0x61, 0x20]), 4), /past the end/)
  })
})
