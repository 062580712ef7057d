/**
 * Conversions between stored values and the codec's PortableValue, and Redis' DEBUG DIGEST-VALUE digest
 * (debug.c xorObjectDigest), computed the same way so that redis-cli can compare an embedded copy of a key
 * with a real Redis copy.
 */
import {createHash} from 'node:crypto'

import type {PortableValue} from './rdb/index.js'
import {formatDouble} from './resp.js'
import {keyBuffer, keyString, newValue, type Value} from './types.js'

export function toPortable(value: Value): PortableValue {
  switch (value.type) {
    case 'string': {
      return {type: 'string', value: value.value}
    }

    case 'list': {
      return {items: value.value.toArray(), type: 'list'}
    }

    case 'set': {
      return {members: [...value.value].map((member) => keyBuffer(member)), type: 'set'}
    }

    case 'hash': {
      return {entries: [...value.value].map(([field, item]) => [keyBuffer(field), item]), type: 'hash'}
    }

    case 'zset': {
      return {entries: [...value.value.entries()].map(([member, score]) => [keyBuffer(member), score]), type: 'zset'}
    }
  }
}

export function fromPortable(portable: PortableValue): Value {
  switch (portable.type) {
    case 'string': {
      return {type: 'string', value: portable.value}
    }

    case 'list': {
      const list = newValue('list')
      for (const item of portable.items) list.value.pushBack(item)
      return list
    }

    case 'set': {
      const set = newValue('set')
      for (const member of portable.members) set.value.add(keyString(member))
      return set
    }

    case 'hash': {
      const hash = newValue('hash')
      for (const [field, item] of portable.entries) hash.value.set(keyString(field), item)
      return hash
    }

    case 'zset': {
      const zset = newValue('zset')
      for (const [member, score] of portable.entries) zset.value.set(keyString(member), score)
      return zset
    }
  }
}

const TYPE_NUMBERS = {hash: 4, list: 1, set: 2, string: 0, zset: 3} as const
export const EMPTY_DIGEST = '0'.repeat(40)

function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest()
}

function xorDigest(digest: Buffer, data: Uint8Array): void {
  const hash = sha1(data)
  for (let i = 0; i < 20; i++) digest[i] = (digest[i] ?? 0) ^ (hash[i] ?? 0)
}

function mixDigest(digest: Buffer, data: Uint8Array): void {
  xorDigest(digest, data)
  sha1(digest).copy(digest)
}

/** An order-independent element (set member, hash pair, zset pair) folded into `digest`. */
function xorElement(digest: Buffer, ...parts: Uint8Array[]): void {
  const element = Buffer.alloc(20)
  for (const part of parts) mixDigest(element, part)
  xorDigest(digest, element)
}

export function valueDigest(value: Value, hasExpiry: boolean): string {
  const digest = Buffer.alloc(20)
  const type = Buffer.alloc(4)
  type.writeUInt32BE(TYPE_NUMBERS[value.type])
  mixDigest(digest, type)
  switch (value.type) {
    case 'string': {
      mixDigest(digest, value.value)
      break
    }

    case 'list': {
      for (const item of value.value.toArray()) mixDigest(digest, item)
      break
    }

    case 'set': {
      for (const member of value.value) xorDigest(digest, keyBuffer(member))
      break
    }

    case 'hash': {
      for (const [field, item] of value.value) xorElement(digest, keyBuffer(field), item)
      break
    }

    case 'zset': {
      for (const [member, score] of value.value.entries())
        xorElement(digest, keyBuffer(member), Buffer.from(formatDouble(score)))
      break
    }
  }

  if (hasExpiry) xorDigest(digest, Buffer.from('!!expire!!'))
  return digest.toString('hex')
}
