/**
 * Test helpers around PortableValue: an order-independent form to compare values, and a JSON form for fixtures
 * (byte strings as text when printable ASCII, else {hex}; infinite scores as "inf" / "-inf").
 */
import type {PortableValue} from '../../../../src/embedded/rdb/index.js'

export type JsonBytes = string | {hex: string}
export type JsonScore = number | 'inf' | '-inf'
export type JsonValue =
  | {type: 'string'; value: JsonBytes}
  | {type: 'list'; items: JsonBytes[]}
  | {type: 'set'; members: JsonBytes[]}
  | {type: 'hash'; entries: Array<[JsonBytes, JsonBytes]>}
  | {type: 'zset'; entries: Array<[JsonBytes, JsonScore]>}

const PRINTABLE = /^[\x20-\x7e]*$/

export function bytesToJson(bytes: Buffer): JsonBytes {
  const text = bytes.toString('latin1')
  return PRINTABLE.test(text) ? text : {hex: bytes.toString('hex')}
}

export function bytesFromJson(bytes: JsonBytes): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes.hex, 'hex')
}

function scoreToJson(score: number): JsonScore {
  if (score === Infinity) return 'inf'
  if (score === -Infinity) return '-inf'
  return score
}

function scoreFromJson(score: JsonScore): number {
  if (score === 'inf') return Infinity
  if (score === '-inf') return -Infinity
  return score
}

export function valueToJson(value: PortableValue): JsonValue {
  switch (value.type) {
    case 'string': {
      return {type: 'string', value: bytesToJson(value.value)}
    }

    case 'list': {
      return {items: value.items.map(bytesToJson), type: 'list'}
    }

    case 'set': {
      return {members: value.members.map(bytesToJson), type: 'set'}
    }

    case 'hash': {
      return {entries: value.entries.map(([field, data]) => [bytesToJson(field), bytesToJson(data)]), type: 'hash'}
    }

    case 'zset': {
      return {entries: value.entries.map(([member, score]) => [bytesToJson(member), scoreToJson(score)]), type: 'zset'}
    }
  }
}

export function valueFromJson(value: JsonValue): PortableValue {
  switch (value.type) {
    case 'string': {
      return {type: 'string', value: bytesFromJson(value.value)}
    }

    case 'list': {
      return {items: value.items.map(bytesFromJson), type: 'list'}
    }

    case 'set': {
      return {members: value.members.map(bytesFromJson), type: 'set'}
    }

    case 'hash': {
      return {entries: value.entries.map(([field, data]) => [bytesFromJson(field), bytesFromJson(data)]), type: 'hash'}
    }

    case 'zset': {
      return {
        entries: value.entries.map(([member, score]) => [bytesFromJson(member), scoreFromJson(score)]),
        type: 'zset',
      }
    }
  }
}

/** Sets and hashes have no order: sort them so that deepEqual compares contents. Zsets sort by score, then member. */
export function normalize(value: PortableValue): PortableValue {
  switch (value.type) {
    case 'string':
    case 'list': {
      return value
    }

    case 'set': {
      return {members: [...value.members].sort(Buffer.compare), type: 'set'}
    }

    case 'hash': {
      return {entries: [...value.entries].sort(([a], [b]) => Buffer.compare(a, b)), type: 'hash'}
    }

    case 'zset': {
      const entries = [...value.entries].sort(([memberA, a], [memberB, b]) =>
        a === b ? Buffer.compare(memberA, memberB) : a < b ? -1 : 1,
      )
      return {entries, type: 'zset'}
    }
  }
}
