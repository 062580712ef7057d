import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {crc64} from '../../../../src/embedded/rdb/index.js'

describe('crc64 (CRC-64/Jones, as Redis computes it)', () => {
  it('gives the check value 0xe9c6d914c4b8d9ca for "123456789"', () => {
    assert.equal(crc64(Buffer.from('123456789')), 0xe9_c6_d9_14_c4_b8_d9_can)
  })

  it('is 0 for no data', () => {
    assert.equal(crc64(Buffer.alloc(0)), 0n)
  })

  it('matches the checksum Redis 7.0.15 put on DUMP of "bar"', () => {
    const signed = Buffer.from('000362617 20a00'.replaceAll(' ', ''), 'hex')
    const checksum = Buffer.alloc(8)
    checksum.writeBigUInt64LE(crc64(signed))
    assert.equal(checksum.toString('hex'), 'e6be4960ee66fd17')
  })

  it('reads a Uint8Array view at its offset', () => {
    const backing = Buffer.from('xx123456789yy')
    assert.equal(crc64(new Uint8Array(backing.buffer, backing.byteOffset + 2, 9)), 0xe9_c6_d9_14_c4_b8_d9_can)
  })
})
