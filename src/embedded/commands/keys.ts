/** Generic key commands: DEL, EXISTS, TYPE, the EXPIRE family, TTL, PERSIST, SCAN, KEYS, DBSIZE, FLUSHALL. */
import {SLOT_COUNT} from '../../cluster/keyslot.js'
import {globToRegExp} from '../glob.js'
import {parseInteger} from '../resp.js'
import {keyBuffer, keyString} from '../types.js'
import {
  ALL_KEYS,
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
  INT64_MAX_APPROX,
  integerArg,
  SINGLE_KEY,
  SYNTAX_ERROR,
  text,
  upper,
} from './command.js'

function del({keyspace, reply}: CommandContext, args: Buffer[]): void {
  let deleted = 0
  for (let i = 1; i < args.length; i++)
    if (keyspace.get(keyString(arg(args, i))) && keyspace.delete(keyString(arg(args, i)))) deleted++
  reply.integer(deleted)
}

function exists({keyspace, reply}: CommandContext, args: Buffer[]): void {
  let found = 0
  for (let i = 1; i < args.length; i++) if (keyspace.has(keyString(arg(args, i)))) found++
  reply.integer(found)
}

function type({keyspace, reply}: CommandContext, args: Buffer[]): void {
  reply.status(keyspace.get(keyString(arg(args, 1)))?.type ?? 'none')
}

type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT'

function expireCondition(args: Buffer[]): ExpireCondition | undefined {
  const seen = new Set<ExpireCondition>()
  for (let i = 3; i < args.length; i++) {
    const option = upper(args[i])
    if (option !== 'NX' && option !== 'XX' && option !== 'GT' && option !== 'LT')
      throw new CommandError(`ERR Unsupported option ${text(args[i])}`)
    seen.add(option)
  }

  if (seen.has('NX') && seen.size > 1)
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible')
  if (seen.has('GT') && seen.has('LT'))
    throw new CommandError('ERR GT and LT options at the same time are not compatible')
  return [...seen].find((condition) => condition !== 'XX') ?? (seen.has('XX') ? 'XX' : undefined)
}

function conditionHolds(condition: ExpireCondition | undefined, current: number | undefined, next: number): boolean {
  switch (condition) {
    case 'NX': {
      return current === undefined
    }

    case 'XX': {
      return current !== undefined
    }

    case 'GT': {
      return current !== undefined && next > current
    }

    case 'LT': {
      return current === undefined || next < current
    }

    default: {
      return true
    }
  }
}

/** EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: `unit` says how to read the number. */
function expireCommand(unit: 'EX' | 'PX' | 'EXAT' | 'PXAT', name: string) {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    const condition = expireCondition(args)
    const amount = integerArg(args[2])
    const invalid = new CommandError(`ERR invalid expire time in '${name}' command`)
    const seconds = unit === 'EX' || unit === 'EXAT'
    if (seconds && Math.abs(amount) > INT64_MAX_APPROX / 1000) throw invalid
    const ms = seconds ? amount * 1000 : amount
    const base = unit.endsWith('AT') ? 0 : Date.now()
    if (ms >= INT64_MAX_APPROX - base) throw invalid
    const key = keyString(arg(args, 1))
    if (!keyspace.has(key)) return reply.integer(0)
    const at = base + ms
    if (!conditionHolds(condition, keyspace.expireAt(key), at)) return reply.integer(0)
    keyspace.setExpireAt(key, at)
    reply.integer(1)
  }
}

function ttl(inMs: boolean) {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    const key = keyString(arg(args, 1))
    if (!keyspace.has(key)) return reply.integer(-2)
    const at = keyspace.expireAt(key)
    if (at === undefined) return reply.integer(-1)
    const left = Math.max(0, at - Date.now())
    reply.integer(inMs ? left : Math.round(left / 1000))
  }
}

function persist({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  reply.integer(keyspace.has(key) && keyspace.persist(key) ? 1 : 0)
}

/**
 * SCAN walks hash slots in order and returns whole slots, so its cursor is the next slot to visit: keys
 * present for the whole scan are always returned, whatever else is added or deleted.
 */
function scan({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const cursor = parseInteger(arg(args, 1))
  if (cursor === undefined || cursor < 0) throw new CommandError('ERR invalid cursor')
  let pattern: RegExp | undefined
  let count = 10
  let type: string | undefined
  for (let i = 2; i < args.length; i += 2) {
    const option = upper(args[i])
    if (i + 1 >= args.length) throw new CommandError(SYNTAX_ERROR)
    if (option === 'MATCH') pattern = globToRegExp(text(args[i + 1]))
    else if (option === 'COUNT') {
      count = integerArg(args[i + 1])
      if (count < 1) throw new CommandError(SYNTAX_ERROR)
    } else if (option === 'TYPE') type = text(args[i + 1]).toLowerCase()
    else throw new CommandError(SYNTAX_ERROR)
  }

  const found: string[] = []
  let slot = Math.min(cursor, SLOT_COUNT)
  let visited = 0
  for (; slot < SLOT_COUNT && visited < count; slot++) {
    for (const key of keyspace.keysInSlot(slot)) {
      visited++
      const value = keyspace.get(key)
      if (!value || (type && value.type !== type) || (pattern && !pattern.test(key))) continue
      found.push(key)
    }
  }

  reply.array(2)
  reply.bulk(String(slot >= SLOT_COUNT ? 0 : slot))
  reply.bulkArray(found.map((key) => keyBuffer(key)))
}

function keys({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const pattern = text(arg(args, 1))
  const matcher = pattern === '*' ? undefined : globToRegExp(pattern)
  const found = [...keyspace.keys()].filter((key) => keyspace.has(key) && (!matcher || matcher.test(key)))
  reply.bulkArray(found.map((key) => keyBuffer(key)))
}

/** FLUSHALL empties every database, FLUSHDB the selected one. */
function flush(all: boolean) {
  return ({keyspace, node, reply}: CommandContext, args: Buffer[]): void => {
    const mode = upper(args[1])
    if (args.length > 2 || (args.length === 2 && mode !== 'SYNC' && mode !== 'ASYNC'))
      throw new CommandError(SYNTAX_ERROR)
    for (const database of all ? node.databases : [keyspace]) database.flush()
    reply.ok()
  }
}

export const keyCommands: CommandTable = {
  dbsize: {arity: 1, run: ({keyspace, reply}) => reply.integer(keyspace.size)},
  del: {arity: -2, keys: ALL_KEYS, run: del, write: true},
  exists: {arity: -2, keys: ALL_KEYS, run: exists},
  expire: {arity: -3, keys: SINGLE_KEY, run: expireCommand('EX', 'expire'), write: true},
  expireat: {arity: -3, keys: SINGLE_KEY, run: expireCommand('EXAT', 'expireat'), write: true},
  flushall: {arity: -1, run: flush(true), write: true},
  flushdb: {arity: -1, run: flush(false), write: true},
  keys: {arity: 2, run: keys},
  persist: {arity: 2, keys: SINGLE_KEY, run: persist, write: true},
  pexpire: {arity: -3, keys: SINGLE_KEY, run: expireCommand('PX', 'pexpire'), write: true},
  pexpireat: {arity: -3, keys: SINGLE_KEY, run: expireCommand('PXAT', 'pexpireat'), write: true},
  pttl: {arity: 2, keys: SINGLE_KEY, run: ttl(true)},
  scan: {arity: -2, run: scan},
  ttl: {arity: 2, keys: SINGLE_KEY, run: ttl(false)},
  type: {arity: 2, keys: SINGLE_KEY, run: type},
  unlink: {arity: -2, keys: ALL_KEYS, run: del, write: true},
}
