/** String commands: GET, SET, MGET, MSET, INCR family, APPEND, STRLEN. */
import {parseInteger, type ReplyWriter} from '../resp.js'
import {keyString, type StringValue} from '../types.js'
import {
  ALL_KEYS,
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
  INT64_MAX_APPROX,
  integerArg,
  NOT_INTEGER,
  OVERFLOW,
  SINGLE_KEY,
  SYNTAX_ERROR,
  typed,
  upper,
  wrongArity,
} from './command.js'

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

function get({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const value = typed(keyspace, keyString(arg(args, 1)), 'string')
  if (value) reply.bulk(value.value)
  else reply.nullBulk()
}

type SetOptions = {condition?: 'NX' | 'XX'; expireAt?: number; keepTtl: boolean; get: boolean}

const PLAIN_SET: Readonly<SetOptions> = {get: false, keepTtl: false}

/** SET's options: syntax first, then the expire amount, as Redis checks them. */
function parseSetOptions(args: Buffer[]): SetOptions {
  const options: SetOptions = {get: false, keepTtl: false}
  let expiry: {unit: string; amount: Buffer | undefined} | undefined
  for (let i = 3; i < args.length; i++) {
    const option = upper(args[i])
    // Like Redis, an option may repeat; only conflicting ones are a syntax error.
    if (option === 'NX' && options.condition !== 'XX') options.condition = 'NX'
    else if (option === 'XX' && options.condition !== 'NX') options.condition = 'XX'
    else if (option === 'GET') options.get = true
    else if (option === 'KEEPTTL' && !expiry) options.keepTtl = true
    else if (
      ['EX', 'PX', 'EXAT', 'PXAT'].includes(option) &&
      (!expiry || expiry.unit === option) &&
      !options.keepTtl &&
      i + 1 < args.length
    )
      expiry = {amount: args[++i], unit: option}
    else throw new CommandError(SYNTAX_ERROR)
  }

  if (expiry) options.expireAt = expireTime(expiry.unit, integerArg(expiry.amount))
  return options
}

/** The absolute unix-ms time for an EX/PX/EXAT/PXAT amount, with Redis' overflow checks. */
function expireTime(unit: string, amount: number): number {
  const seconds = unit === 'EX' || unit === 'EXAT'
  const invalid = new CommandError("ERR invalid expire time in 'set' command")
  if (amount <= 0 || (seconds && amount > INT64_MAX_APPROX / 1000)) throw invalid
  const ms = seconds ? amount * 1000 : amount
  const at = unit.endsWith('AT') ? ms : Date.now() + ms
  if (at >= INT64_MAX_APPROX) throw invalid
  return at
}

function replyValue(reply: ReplyWriter, value: StringValue | undefined): void {
  if (value) reply.bulk(value.value)
  else reply.nullBulk()
}

function set({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const options = args.length > 3 ? parseSetOptions(args) : PLAIN_SET
  const old = options.get ? typed(keyspace, key, 'string') : undefined
  const exists = options.condition ? keyspace.has(key) : false
  if ((options.condition === 'NX' && exists) || (options.condition === 'XX' && !exists)) {
    replyValue(reply, options.get ? old : undefined)
    return
  }

  keyspace.set(key, {type: 'string', value: Buffer.from(arg(args, 2))}, options.keepTtl)
  if ('expireAt' in options && options.expireAt !== undefined) keyspace.setExpireAt(key, options.expireAt)
  if (options.get) replyValue(reply, old)
  else reply.ok()
}

function mget({keyspace, reply}: CommandContext, args: Buffer[]): void {
  reply.array(args.length - 1)
  for (let i = 1; i < args.length; i++) {
    const value = keyspace.get(keyString(arg(args, i)))
    if (value?.type === 'string') reply.bulk(value.value)
    else reply.nullBulk()
  }
}

function mset({keyspace, reply}: CommandContext, args: Buffer[]): void {
  if (args.length % 2 === 0) throw wrongArity('mset')
  for (let i = 1; i < args.length; i += 2) {
    keyspace.set(keyString(arg(args, i)), {type: 'string', value: Buffer.from(arg(args, i + 1))})
  }

  reply.ok()
}

/** Adds `delta` to the integer in `key`, in int64 arithmetic, keeping its TTL. */
function incrementBy({keyspace, reply}: CommandContext, key: string, delta: number): void {
  const current = typed(keyspace, key, 'string')
  let result: number | bigint
  if (!current) result = delta
  else {
    const parsed = parseInteger(current.value)
    result =
      parsed !== undefined && Number.isSafeInteger(parsed + delta) ? parsed + delta : bigIncrement(current.value, delta)
  }

  keyspace.set(key, {type: 'string', value: Buffer.from(String(result))}, true)
  reply.integer(result)
}

function bigIncrement(value: Buffer, delta: number): bigint {
  const text = value.toString('latin1')
  if (!/^-?[1-9]\d{0,19}$|^0$/.test(text)) throw new CommandError(NOT_INTEGER)
  const current = BigInt(text)
  if (current > INT64_MAX || current < INT64_MIN) throw new CommandError(NOT_INTEGER)
  const result = current + BigInt(delta)
  if (result > INT64_MAX || result < INT64_MIN) throw new CommandError(OVERFLOW)
  return result
}

function append({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const current = typed(keyspace, key, 'string')
  const value = current ? Buffer.concat([current.value, arg(args, 2)]) : Buffer.from(arg(args, 2))
  keyspace.set(key, {type: 'string', value}, true)
  reply.integer(value.length)
}

function strlen({keyspace, reply}: CommandContext, args: Buffer[]): void {
  reply.integer(typed(keyspace, keyString(arg(args, 1)), 'string')?.value.length ?? 0)
}

export const stringCommands: CommandTable = {
  append: {arity: 3, keys: SINGLE_KEY, run: append, write: true},
  decr: {
    arity: 2,
    keys: SINGLE_KEY,
    run: (context, args) => incrementBy(context, keyString(arg(args, 1)), -1),
    write: true,
  },
  decrby: {
    arity: 3,
    keys: SINGLE_KEY,
    run: (context, args) => incrementBy(context, keyString(arg(args, 1)), -integerArg(args[2])),
    write: true,
  },
  get: {arity: 2, keys: SINGLE_KEY, run: get},
  incr: {
    arity: 2,
    keys: SINGLE_KEY,
    run: (context, args) => incrementBy(context, keyString(arg(args, 1)), 1),
    write: true,
  },
  incrby: {
    arity: 3,
    keys: SINGLE_KEY,
    run: (context, args) => incrementBy(context, keyString(arg(args, 1)), integerArg(args[2])),
    write: true,
  },
  mget: {arity: -2, keys: ALL_KEYS, run: mget},
  mset: {arity: -3, keys: {first: 1, last: -1, step: 2}, run: mset, write: true},
  set: {arity: -3, keys: SINGLE_KEY, run: set, write: true},
  strlen: {arity: 2, keys: SINGLE_KEY, run: strlen},
}
