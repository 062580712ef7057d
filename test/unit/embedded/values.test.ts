import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {Deque} from '../../../src/embedded/deque.js'
import {globToRegExp} from '../../../src/embedded/glob.js'
import {Keyspace} from '../../../src/embedded/keyspace.js'
import {EMPTY_DIGEST, fromPortable, toPortable, valueDigest} from '../../../src/embedded/portable.js'
import {SortedSet} from '../../../src/embedded/sorted-set.js'
import {newValue} from '../../../src/embedded/types.js'

describe('Deque', () => {
  it('pushes and pops at both ends across growth', () => {
    const deque = new Deque<number>()
    for (let i = 0; i < 20; i++) deque.pushFront(i)
    for (let i = 0; i < 20; i++) deque.pushBack(100 + i)
    assert.equal(deque.size, 40)
    assert.equal(deque.popFront(), 19)
    assert.equal(deque.popBack(), 119)
    assert.deepEqual(deque.slice(0, 2), [18, 17, 16])
    assert.equal(deque.at(37), 118)
    assert.equal(deque.at(38), undefined)
  })
})

describe('SortedSet', () => {
  it('orders by score, then by member bytes, and re-sorts after changes', () => {
    const zset = new SortedSet()
    zset.set('b', 1)
    zset.set('a', 1)
    zset.set('c', -Infinity)
    assert.deepEqual(zset.members(), ['c', 'a', 'b'])
    zset.set('c', 5)
    zset.delete('a')
    assert.deepEqual(zset.members(), ['b', 'c'])
  })
})

describe('globToRegExp', () => {
  it("matches like Redis' stringmatchlen", () => {
    const matches = (pattern: string, text: string) => globToRegExp(pattern).test(text)
    assert.ok(matches('h?llo', 'hello'))
    assert.ok(matches('h*llo', 'hllo'))
    assert.ok(matches('h[ae]llo', 'hallo'))
    assert.ok(!matches('h[^e]llo', 'hello'))
    assert.ok(matches('h[a-b]llo', 'hbllo'))
    assert.ok(matches('h\\*llo', 'h*llo'))
    assert.ok(!matches('h\\*llo', 'hello'))
    assert.ok(matches('*', 'a\nb'))
  })
})

describe('Keyspace', () => {
  it('expires keys lazily and actively, and indexes keys by hash slot', () => {
    const keyspace = new Keyspace()
    keyspace.set('{a}1', {type: 'string', value: Buffer.from('x')})
    keyspace.set('{a}2', {type: 'string', value: Buffer.from('y')})
    keyspace.set('b', {type: 'string', value: Buffer.from('z')})
    assert.equal(keyspace.countKeysInSlot(15_495), 2)
    assert.deepEqual(keyspace.keysInSlot(15_495, 1), ['{a}1'])

    keyspace.setExpireAt('{a}1', Date.now() + 10)
    keyspace.setExpireAt('b', Date.now() + 10)
    assert.equal(keyspace.expiringCount, 2)
    keyspace.activeExpireCycle(Date.now() + 20)
    assert.equal(keyspace.size, 1)
    assert.equal(keyspace.countKeysInSlot(15_495), 1)

    keyspace.setExpireAt('{a}2', Date.now() - 1)
    assert.equal(keyspace.get('{a}2'), undefined)
    assert.equal(keyspace.size, 0)
  })
})

describe('portable values and digests', () => {
  it('round-trips every type through PortableValue', () => {
    const list = newValue('list')
    list.value.pushBack(Buffer.from('a'))
    const hash = newValue('hash')
    hash.value.set('f', Buffer.from('v'))
    const set = newValue('set')
    set.value.add('\u00ff')
    const zset = newValue('zset')
    zset.value.set('m', 2.5)
    for (const value of [{type: 'string', value: Buffer.from('s')} as const, list, hash, set, zset]) {
      assert.equal(valueDigest(fromPortable(toPortable(value)), false), valueDigest(value, false))
    }
  })

  it("computes Redis' DEBUG DIGEST-VALUE", () => {
    // Captured from redis-server 7.0.15 (enable-debug-command yes).
    const list = newValue('list')
    list.value.pushBack(Buffer.from('a'))
    list.value.pushBack(Buffer.from('b'))
    const set = newValue('set')
    set.value.add('y')
    set.value.add('x')
    const zset = newValue('zset')
    zset.value.set('b', 2.5)
    zset.value.set('a', 1)
    const hash = newValue('hash')
    hash.value.set('f', Buffer.from('v'))
    const string = {type: 'string', value: Buffer.from('v')} as const
    assert.equal(valueDigest(string, false), 'd79ee9fe5d5ad902d7f6620efc3b07b75ddd742f')
    assert.equal(valueDigest(list, false), '62f55a532623cf6c3d81081db480b6fd8461eb3f')
    assert.equal(valueDigest(set, false), '36846f8a92fb6b6b824c73bf468c5bbcf5075ede')
    assert.equal(valueDigest(zset, false), 'c45c5b051acd64070e5ed1a949939d5145f806c5')
    assert.equal(valueDigest(hash, false), '90c76e9e9f4c62d642a34fc97c7dad503b51f906')
    assert.equal(valueDigest(string, true), '311b17018163335616e089f6b951c82c477335ac')
    assert.equal(EMPTY_DIGEST, '0'.repeat(40))
  })
})
