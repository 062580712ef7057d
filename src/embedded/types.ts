/**
 * The value types a key can hold. Keys, hash fields and set members are kept as latin1 strings: one
 * character per byte, so any binary key round-trips and Map lookups stay fast.
 */
import {Deque} from './deque.js'
import {SortedSet} from './sorted-set.js'

export type StringValue = {type: 'string'; value: Buffer}
export type ListValue = {type: 'list'; value: Deque<Buffer>}
export type HashValue = {type: 'hash'; value: Map<string, Buffer>}
export type SetValue = {type: 'set'; value: Set<string>}
export type ZSetValue = {type: 'zset'; value: SortedSet}
export type Value = StringValue | ListValue | HashValue | SetValue | ZSetValue
export type ValueType = Value['type']

export function newValue(type: 'list'): ListValue
export function newValue(type: 'hash'): HashValue
export function newValue(type: 'set'): SetValue
export function newValue(type: 'zset'): ZSetValue
export function newValue(type: Exclude<ValueType, 'string'>): Value {
  switch (type) {
    case 'list': {
      return {type, value: new Deque<Buffer>()}
    }

    case 'hash': {
      return {type, value: new Map()}
    }

    case 'set': {
      return {type, value: new Set()}
    }

    case 'zset': {
      return {type, value: new SortedSet()}
    }
  }
}

/** Number of elements, 1 for strings: a collection that reaches 0 is deleted, as in Redis. */
export function valueSize(value: Value): number {
  return value.type === 'string' ? 1 : value.value.size
}

export function keyString(key: Buffer): string {
  return key.toString('latin1')
}

export function keyBuffer(key: string): Buffer {
  return Buffer.from(key, 'latin1')
}
