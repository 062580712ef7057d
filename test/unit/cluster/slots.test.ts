import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {formatAddress, parseAddress} from '../../../src/cluster/address.js'
import {UsageError} from '../../../src/cluster/errors.js'
import {crc16, keyHashSlot, SLOT_COUNT} from '../../../src/cluster/keyslot.js'
import {
  countSlots,
  formatRanges,
  mergeRanges,
  missingRanges,
  parseSlotRange,
  slotsOf,
  toRanges,
} from '../../../src/cluster/slots.js'

describe('slots, key hash slots and addresses', () => {
  it('collapses any slot list into sorted ranges and back', () => {
    for (let round = 0; round < 200; round++) {
      const slots = Array.from({length: 1 + (round % 50)}, () => Math.floor(Math.random() * SLOT_COUNT))
      const ranges = toRanges(slots)
      assert.deepEqual(
        [...slotsOf(ranges)],
        [...new Set(slots)].sort((a, b) => a - b),
      )
      for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i]!.start > ranges[i - 1]!.end + 1, 'ranges never touch')
    }
  })

  it('formats ranges the way operators write them', () => {
    assert.equal(formatRanges(toRanges([0, 1, 2, 5, 7, 8])), '0-2,5,7-8')
    assert.equal(formatRanges([]), '-')
    assert.equal(countSlots(toRanges([0, 1, 2, 5])), 4)
  })

  it('merges overlapping and touching ranges, as CLUSTER NODES may list them', () => {
    const merged = mergeRanges([
      {end: 20, start: 11},
      {end: 5, start: 0},
      {end: 10, start: 6},
      {end: 40, start: 30},
      {end: 35, start: 31},
    ])
    assert.equal(formatRanges(merged), '0-20,30-40')
  })

  it('finds the missing slots', () => {
    assert.equal(formatRanges(missingRanges([{end: 16_383, start: 10}])), '0-9')
    assert.deepEqual(missingRanges([{end: 16_383, start: 0}]), [])
  })

  it('parses slot ranges from the command line and rejects bad ones with a usage error', () => {
    assert.deepEqual(parseSlotRange('100-199'), {end: 199, start: 100})
    assert.deepEqual(parseSlotRange('7'), {end: 7, start: 7})
    for (const bad of ['199-100', '16384', '-1', 'a-b', '']) assert.throws(() => parseSlotRange(bad), UsageError)
  })

  it('computes CRC16/XMODEM and key hash slots as Redis does', () => {
    assert.equal(crc16(Buffer.from('123456789')), 0x31_c3)
    // Slots confirmed with CLUSTER KEYSLOT on Redis 7.0.15.
    assert.equal(keyHashSlot('foo'), 12_182)
    assert.equal(keyHashSlot('bar'), 5061)
    assert.equal(keyHashSlot('{user1000}.following'), keyHashSlot('user1000'))
    assert.equal(keyHashSlot('foo{}{bar}'), keyHashSlot('foo{}{bar}'))
    assert.notEqual(keyHashSlot('foo{}{bar}'), keyHashSlot('bar'), 'an empty tag means the whole key is hashed')
    assert.equal(keyHashSlot('foo{{bar}}zap'), keyHashSlot('{bar'))
    assert.equal(keyHashSlot(''), 0)
  })

  it('parses node addresses, IPv6 included, and names the bad input', () => {
    assert.deepEqual(parseAddress('127.0.0.1:7000'), {host: '127.0.0.1', port: 7000})
    assert.deepEqual(parseAddress('[::1]:7000'), {host: '::1', port: 7000})
    assert.deepEqual(parseAddress('::1:7000'), {host: '::1', port: 7000})
    assert.deepEqual(parseAddress('redis-0.example:6379'), {host: 'redis-0.example', port: 6379})
    assert.equal(formatAddress({host: '::1', port: 7000}), '[::1]:7000')
    for (const bad of ['7000', 'host:', 'host:0', 'host:65536', ':7000', 'host:7x']) {
      assert.throws(
        () => parseAddress(bad),
        (error: UsageError) => error.exit === 2 && error.message.includes(bad),
      )
    }
  })
})
