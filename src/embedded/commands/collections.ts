/** List, hash and set commands. */
import {keyBuffer, keyString, newValue} from '../types.js'
import {
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
  integerArg,
  optionalCount,
  OVERFLOW,
  SINGLE_KEY,
  typed,
  wrongArity,
} from './command.js'

/** Clamps Redis' start/stop indexes (negative from the end) to [start, end] or undefined when empty. */
export function rangeIndexes(start: number, stop: number, size: number): [number, number] | undefined {
  let from = start < 0 ? size + start : start
  let to = stop < 0 ? size + stop : stop
  if (from < 0) from = 0
  if (from > to || from >= size) return undefined
  if (to >= size) to = size - 1
  return [from, to]
}

function push(front: boolean) {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    const key = keyString(arg(args, 1))
    let list = typed(keyspace, key, 'list')
    if (!list) {
      list = newValue('list')
      keyspace.set(key, list)
    }

    for (let i = 2; i < args.length; i++) {
      const item = Buffer.from(arg(args, i))
      if (front) list.value.pushFront(item)
      else list.value.pushBack(item)
    }

    reply.integer(list.value.size)
  }
}

function pop(front: boolean) {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    if (args.length > 3) throw wrongArity(front ? 'lpop' : 'rpop')
    const key = keyString(arg(args, 1))
    const count = optionalCount(args, 2)
    const list = typed(keyspace, key, 'list')
    if (!list) return count === undefined ? reply.nullBulk() : reply.nullArray()
    const take = () => (front ? list.value.popFront() : list.value.popBack())
    if (count === undefined) {
      const item = take()
      if (item) reply.bulk(item)
      else reply.nullBulk()
    } else {
      const items: Buffer[] = []
      for (let i = 0; i < count && list.value.size > 0; i++) {
        const item = take()
        if (item) items.push(item)
      }

      reply.bulkArray(items)
    }

    keyspace.dropIfEmpty(key, list)
  }
}

function lrange({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const start = integerArg(args[2])
  const stop = integerArg(args[3])
  const list = typed(keyspace, keyString(arg(args, 1)), 'list')
  const range = list ? rangeIndexes(start, stop, list.value.size) : undefined
  reply.bulkArray(list && range ? list.value.slice(range[0], range[1]) : [])
}

function hset(name: string) {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    if (args.length % 2 === 1) throw wrongArity(name)
    const key = keyString(arg(args, 1))
    let hash = typed(keyspace, key, 'hash')
    if (!hash) {
      hash = newValue('hash')
      keyspace.set(key, hash)
    }

    let added = 0
    for (let i = 2; i < args.length; i += 2) {
      const field = keyString(arg(args, i))
      if (!hash.value.has(field)) added++
      hash.value.set(field, Buffer.from(arg(args, i + 1)))
    }

    if (name === 'hmset') reply.ok()
    else reply.integer(added)
  }
}

function hget({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const value = typed(keyspace, keyString(arg(args, 1)), 'hash')?.value.get(keyString(arg(args, 2)))
  if (value) reply.bulk(value)
  else reply.nullBulk()
}

function hgetall({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const hash = typed(keyspace, keyString(arg(args, 1)), 'hash')
  reply.map(hash?.value.size ?? 0)
  for (const [field, value] of hash?.value ?? []) {
    reply.bulk(keyBuffer(field))
    reply.bulk(value)
  }
}

function hdel({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const hash = typed(keyspace, key, 'hash')
  let deleted = 0
  if (hash) {
    for (let i = 2; i < args.length; i++) if (hash.value.delete(keyString(arg(args, i)))) deleted++
    keyspace.dropIfEmpty(key, hash)
  }

  reply.integer(deleted)
}

function hincrby({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const field = keyString(arg(args, 2))
  const delta = integerArg(args[3])
  let hash = typed(keyspace, key, 'hash')
  const current = hash?.value.get(field)
  const base = current === undefined ? 0 : Number(current.toString('latin1'))
  if (current !== undefined && !/^-?(0|[1-9]\d*)$/.test(current.toString('latin1')))
    throw new CommandError('ERR hash value is not an integer')
  const result = base + delta
  if (!Number.isSafeInteger(result)) throw new CommandError(OVERFLOW)
  if (!hash) {
    hash = newValue('hash')
    keyspace.set(key, hash)
  }

  hash.value.set(field, Buffer.from(String(result)))
  reply.integer(result)
}

function sadd({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  let set = typed(keyspace, key, 'set')
  if (!set) {
    set = newValue('set')
    keyspace.set(key, set)
  }

  const before = set.value.size
  for (let i = 2; i < args.length; i++) set.value.add(keyString(arg(args, i)))
  reply.integer(set.value.size - before)
}

function srem({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const set = typed(keyspace, key, 'set')
  let removed = 0
  if (set) {
    for (let i = 2; i < args.length; i++) if (set.value.delete(keyString(arg(args, i)))) removed++
    keyspace.dropIfEmpty(key, set)
  }

  reply.integer(removed)
}

function smembers({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const set = typed(keyspace, keyString(arg(args, 1)), 'set')
  reply.set(set?.value.size ?? 0)
  for (const member of set?.value ?? []) reply.bulk(keyBuffer(member))
}

function spop({keyspace, reply}: CommandContext, args: Buffer[]): void {
  if (args.length > 3) throw new CommandError('ERR syntax error')
  const key = keyString(arg(args, 1))
  const count = optionalCount(args, 2)
  const set = typed(keyspace, key, 'set')
  if (!set) return count === undefined ? reply.nullBulk() : reply.set(0)
  const members = [...set.value]
  const popped: string[] = []
  for (let i = 0; i < (count ?? 1) && members.length > 0; i++) {
    const index = Math.floor(Math.random() * members.length)
    const [member] = members.splice(index, 1)
    if (member === undefined) break
    set.value.delete(member)
    popped.push(member)
  }

  keyspace.dropIfEmpty(key, set)
  if (count === undefined) return popped[0] === undefined ? reply.nullBulk() : reply.bulk(keyBuffer(popped[0]))
  reply.set(popped.length)
  for (const member of popped) reply.bulk(keyBuffer(member))
}

function size(type: 'list' | 'hash' | 'set') {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    reply.integer(typed(keyspace, keyString(arg(args, 1)), type)?.value.size ?? 0)
  }
}

export const collectionCommands: CommandTable = {
  hdel: {arity: -3, keys: SINGLE_KEY, run: hdel, write: true},
  hexists: {
    arity: 3,
    keys: SINGLE_KEY,
    run: ({keyspace, reply}, args) =>
      reply.integer(typed(keyspace, keyString(arg(args, 1)), 'hash')?.value.has(keyString(arg(args, 2))) ? 1 : 0),
  },
  hget: {arity: 3, keys: SINGLE_KEY, run: hget},
  hgetall: {arity: 2, keys: SINGLE_KEY, run: hgetall},
  hincrby: {arity: 4, keys: SINGLE_KEY, run: hincrby, write: true},
  hlen: {arity: 2, keys: SINGLE_KEY, run: size('hash')},
  hmset: {arity: -4, keys: SINGLE_KEY, run: hset('hmset'), write: true},
  hset: {arity: -4, keys: SINGLE_KEY, run: hset('hset'), write: true},
  llen: {arity: 2, keys: SINGLE_KEY, run: size('list')},
  lpop: {arity: -2, keys: SINGLE_KEY, run: pop(true), write: true},
  lpush: {arity: -3, keys: SINGLE_KEY, run: push(true), write: true},
  lrange: {arity: 4, keys: SINGLE_KEY, run: lrange},
  rpop: {arity: -2, keys: SINGLE_KEY, run: pop(false), write: true},
  rpush: {arity: -3, keys: SINGLE_KEY, run: push(false), write: true},
  sadd: {arity: -3, keys: SINGLE_KEY, run: sadd, write: true},
  scard: {arity: 2, keys: SINGLE_KEY, run: size('set')},
  sismember: {
    arity: 3,
    keys: SINGLE_KEY,
    run: ({keyspace, reply}, args) =>
      reply.integer(typed(keyspace, keyString(arg(args, 1)), 'set')?.value.has(keyString(arg(args, 2))) ? 1 : 0),
  },
  smembers: {arity: 2, keys: SINGLE_KEY, run: smembers},
  spop: {arity: -2, keys: SINGLE_KEY, run: spop, write: true},
  srem: {arity: -3, keys: SINGLE_KEY, run: srem, write: true},
}
