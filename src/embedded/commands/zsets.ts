/** Sorted set commands: ZADD, ZINCRBY, ZRANGE, ZSCORE, ZREM, ZCARD, ZPOPMIN, ZPOPMAX. */
import type {ReplyWriter} from '../resp.js'
import {keyBuffer, keyString, newValue, type ZSetValue} from '../types.js'
import {
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
  floatArg,
  integerArg,
  optionalCount,
  parseFloatText,
  SINGLE_KEY,
  SYNTAX_ERROR,
  text,
  typed,
  upper,
} from './command.js'
import {rangeIndexes} from './collections.js'
import type {Keyspace} from '../keyspace.js'

const NAN_SCORE = 'ERR resulting score is not a number (NaN)'

type ZaddOptions = {nx: boolean; xx: boolean; gt: boolean; lt: boolean; ch: boolean; incr: boolean; firstPair: number}

function parseZaddOptions(args: Buffer[]): ZaddOptions {
  const options: ZaddOptions = {ch: false, firstPair: 2, gt: false, incr: false, lt: false, nx: false, xx: false}
  for (; options.firstPair < args.length; options.firstPair++) {
    const flag = upper(args[options.firstPair]).toLowerCase()
    if (flag !== 'nx' && flag !== 'xx' && flag !== 'gt' && flag !== 'lt' && flag !== 'ch' && flag !== 'incr') break
    options[flag] = true
  }

  const pairs = args.length - options.firstPair
  if (pairs === 0 || pairs % 2 === 1) throw new CommandError(SYNTAX_ERROR)
  if (options.nx && options.xx) throw new CommandError('ERR XX and NX options at the same time are not compatible')
  if ((options.gt && options.nx) || (options.lt && options.nx) || (options.gt && options.lt))
    throw new CommandError('ERR GT, LT, and/or NX options at the same time are not compatible')
  if (options.incr && pairs > 2) throw new CommandError('ERR INCR option supports a single increment-element pair')
  return options
}

function zsetFor(keyspace: Keyspace, key: string): ZSetValue {
  let zset = typed(keyspace, key, 'zset')
  if (!zset) {
    zset = newValue('zset')
    keyspace.set(key, zset)
  }

  return zset
}

function zadd({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const options = parseZaddOptions(args)
  const key = keyString(arg(args, 1))
  const scores: number[] = []
  for (let i = options.firstPair; i < args.length; i += 2) scores.push(floatArg(args[i]))
  const existing = typed(keyspace, key, 'zset')
  if (!existing && options.xx) return options.incr ? reply.nullBulk() : reply.integer(0)
  const zset = existing ?? zsetFor(keyspace, key)
  let added = 0
  let changed = 0
  let incremented: number | undefined
  for (let i = 0; i < scores.length; i++) {
    const member = keyString(arg(args, options.firstPair + i * 2 + 1))
    const current = zset.value.score(member)
    let score = scores[i] ?? 0
    if ((current === undefined && options.xx) || (current !== undefined && options.nx)) continue
    if (options.incr) {
      score += current ?? 0
      if (Number.isNaN(score)) throw new CommandError(NAN_SCORE)
    }

    if (current !== undefined && ((options.gt && score <= current) || (options.lt && score >= current))) continue
    if (current === undefined) added++
    else if (current !== score) changed++
    zset.value.set(member, score + 0)
    incremented = score + 0
  }

  keyspace.dropIfEmpty(key, zset)
  if (!options.incr) return reply.integer(options.ch ? added + changed : added)
  if (incremented === undefined) reply.nullBulk()
  else reply.double(incremented)
}

function zincrby({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const delta = floatArg(args[2])
  const member = keyString(arg(args, 3))
  const zset = zsetFor(keyspace, key)
  const score = (zset.value.score(member) ?? 0) + delta
  if (Number.isNaN(score)) {
    keyspace.dropIfEmpty(key, zset)
    throw new CommandError(NAN_SCORE)
  }

  zset.value.set(member, score + 0)
  reply.double(score + 0)
}

/** Members, with their scores as [member, score] pairs in RESP3 (unless `nested` says otherwise), flat in RESP2. */
function writeMembers(
  reply: ReplyWriter,
  zset: ZSetValue,
  members: readonly string[],
  withScores: boolean,
  nested = reply.protocol === 3,
): void {
  if (!withScores) return reply.bulkArray(members.map((member) => keyBuffer(member)))
  reply.array(nested ? members.length : members.length * 2)
  for (const member of members) {
    if (nested) reply.array(2)
    reply.bulk(keyBuffer(member))
    reply.double(zset.value.score(member) ?? 0)
  }
}

/**
 * ZPOPMIN and ZPOPMAX key [count]: removes and returns the lowest (highest) scored members. Without a count the
 * reply stays one flat [member, score] even in RESP3, as in Redis 7.0.
 */
function zpop(highest: boolean) {
  return ({keyspace, reply}: CommandContext, args: Buffer[]): void => {
    if (args.length > 3) throw new CommandError(SYNTAX_ERROR)
    const key = keyString(arg(args, 1))
    const count = optionalCount(args, 2)
    const zset = typed(keyspace, key, 'zset')
    if (!zset || count === 0) return reply.array(0)
    const ordered = zset.value.members()
    const popped = highest ? ordered.slice(-(count ?? 1)).reverse() : ordered.slice(0, count ?? 1)
    writeMembers(reply, zset, popped, true, reply.protocol === 3 && count !== undefined)
    for (const member of popped) zset.value.delete(member)
    keyspace.dropIfEmpty(key, zset)
  }
}

type ScoreBound = {value: number; exclusive: boolean}
type LexBound = {value: string; exclusive: boolean} | '+' | '-'

function scoreBound(arg: Buffer | undefined): ScoreBound {
  const raw = text(arg)
  const exclusive = raw.startsWith('(')
  const value = parseFloatText(exclusive ? raw.slice(1) : raw)
  if (value === undefined || Number.isNaN(value)) throw new CommandError('ERR min or max is not a float')
  return {exclusive, value}
}

function lexBound(arg: Buffer | undefined): LexBound {
  const raw = text(arg)
  if (raw === '+' || raw === '-') return raw
  if (raw.startsWith('(') || raw.startsWith('[')) return {exclusive: raw.startsWith('('), value: raw.slice(1)}
  throw new CommandError('ERR min or max not valid string range item')
}

function aboveMin(bound: LexBound, member: string): boolean {
  if (bound === '-') return true
  if (bound === '+') return false
  return bound.exclusive ? member > bound.value : member >= bound.value
}

function belowMax(bound: LexBound, member: string): boolean {
  if (bound === '+') return true
  if (bound === '-') return false
  return bound.exclusive ? member < bound.value : member <= bound.value
}

type RangeOptions = {by: 'rank' | 'score' | 'lex'; reverse: boolean; withScores: boolean; offset: number; limit: number}

function parseRangeOptions(args: Buffer[]): RangeOptions {
  const options: RangeOptions = {by: 'rank', limit: -1, offset: 0, reverse: false, withScores: false}
  let by: 'score' | 'lex' | undefined
  for (let i = 4; i < args.length; i++) {
    const option = upper(args[i])
    if (option === 'WITHSCORES') options.withScores = true
    else if (option === 'LIMIT' && i + 2 < args.length) {
      options.offset = integerArg(args[i + 1])
      options.limit = integerArg(args[i + 2])
      i += 2
    } else if (option === 'REV' && !options.reverse) options.reverse = true
    else if (option === 'BYSCORE' && !by) by = 'score'
    else if (option === 'BYLEX' && !by) by = 'lex'
    else throw new CommandError(SYNTAX_ERROR)
  }

  options.by = by ?? 'rank'
  if (options.by === 'rank' && (options.offset !== 0 || options.limit !== -1))
    throw new CommandError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX')
  if (options.by === 'lex' && options.withScores)
    throw new CommandError('ERR syntax error, WITHSCORES not supported in combination with BYLEX')
  return options
}

/** The members a ZRANGE selects, in reply order. */
function selectMembers(zset: ZSetValue | undefined, args: Buffer[], options: RangeOptions): readonly string[] {
  // With REV, BYSCORE and BYLEX take max before min.
  const [lowArg, highArg] = options.reverse && options.by !== 'rank' ? [args[3], args[2]] : [args[2], args[3]]
  if (options.by === 'rank') {
    const start = integerArg(args[2])
    const stop = integerArg(args[3])
    if (!zset) return []
    const ordered = options.reverse ? [...zset.value.members()].reverse() : zset.value.members()
    const range = rangeIndexes(start, stop, ordered.length)
    return range ? ordered.slice(range[0], range[1] + 1) : []
  }

  let matches: (member: string) => boolean
  if (options.by === 'score') {
    const min = scoreBound(lowArg)
    const max = scoreBound(highArg)
    matches = (member) => {
      const score = zset?.value.score(member) ?? 0
      return (
        (min.exclusive ? score > min.value : score >= min.value) &&
        (max.exclusive ? score < max.value : score <= max.value)
      )
    }
  } else {
    const min = lexBound(lowArg)
    const max = lexBound(highArg)
    matches = (member) => aboveMin(min, member) && belowMax(max, member)
  }

  if (!zset || options.offset < 0) return []
  const ordered = options.reverse ? [...zset.value.members()].reverse() : zset.value.members()
  const selected = ordered.filter((member) => matches(member)).slice(options.offset)
  return options.limit < 0 ? selected : selected.slice(0, options.limit)
}

/** ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]. */
function zrange({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const options = parseRangeOptions(args)
  const zset = typed(keyspace, keyString(arg(args, 1)), 'zset')
  const members = selectMembers(zset, args, options)
  if (!zset) return reply.array(0)
  writeMembers(reply, zset, members, options.withScores)
}

function zscore({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const score = typed(keyspace, keyString(arg(args, 1)), 'zset')?.value.score(keyString(arg(args, 2)))
  if (score === undefined) reply.nullBulk()
  else reply.double(score)
}

function zrem({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const key = keyString(arg(args, 1))
  const zset = typed(keyspace, key, 'zset')
  let removed = 0
  if (zset) {
    for (let i = 2; i < args.length; i++) if (zset.value.delete(keyString(arg(args, i)))) removed++
    keyspace.dropIfEmpty(key, zset)
  }

  reply.integer(removed)
}

export const zsetCommands: CommandTable = {
  zadd: {arity: -4, keys: SINGLE_KEY, run: zadd, write: true},
  zcard: {
    arity: 2,
    keys: SINGLE_KEY,
    run: ({keyspace, reply}, args) => reply.integer(typed(keyspace, keyString(arg(args, 1)), 'zset')?.value.size ?? 0),
  },
  zincrby: {arity: 4, keys: SINGLE_KEY, run: zincrby, write: true},
  zpopmax: {arity: -2, keys: SINGLE_KEY, run: zpop(true), write: true},
  zpopmin: {arity: -2, keys: SINGLE_KEY, run: zpop(false), write: true},
  zrange: {arity: -4, keys: SINGLE_KEY, run: zrange},
  zrem: {arity: -3, keys: SINGLE_KEY, run: zrem, write: true},
  zscore: {arity: 3, keys: SINGLE_KEY, run: zscore},
}
