/**
 * What every command module shares: the command table entry, the context a command runs in, the error
 * texts Redis replies with, and argument parsing that fails with those texts.
 */
import type {Keyspace} from '../keyspace.js'
import type {NodeRuntime} from '../runtime.js'
import type {ClientState} from '../client.js'
import {parseInt64, parseInteger, type ReplyWriter} from '../resp.js'
import type {Value, ValueType} from '../types.js'

/** An error reply; the message starts with the error code (ERR, WRONGTYPE...). */
export class CommandError extends Error {}

export const WRONG_TYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
export const NOT_INTEGER = 'ERR value is not an integer or out of range'
const OUT_OF_RANGE = 'ERR value is out of range, must be positive'
export const NOT_FLOAT = 'ERR value is not a valid float'
export const SYNTAX_ERROR = 'ERR syntax error'
export const OVERFLOW = 'ERR increment or decrement would overflow'

export type CommandContext = {
  node: NodeRuntime
  keyspace: Keyspace
  client: ClientState
  reply: ReplyWriter
}

/** Where the keys are in the arguments: from `first` to `last` (negative counts from the end) every `step`. */
export type KeySpec = {first: number; last: number; step: number}

export type CommandSpec = {
  /** Redis' arity: exact argument count including the name, or -N for at least N. */
  arity: number
  /** Changes data: refused on replicas without a master's say, redirected even after READONLY. */
  write?: boolean
  /** Allowed before AUTH. */
  noAuth?: boolean
  /** Served by an importing node without a prior ASKING (RESTORE-ASKING). */
  asking?: boolean
  /** Runs immediately even inside MULTI (EXEC, DISCARD, MULTI, WATCH). */
  transactionControl?: boolean
  keys?: KeySpec | ((args: Buffer[]) => Buffer[])
  run(context: CommandContext, args: Buffer[]): void | Promise<void>
}

export type CommandTable = Record<string, CommandSpec>

export const SINGLE_KEY: KeySpec = {first: 1, last: 1, step: 1}
export const ALL_KEYS: KeySpec = {first: 1, last: -1, step: 1}

export function text(arg: Buffer | undefined): string {
  return arg ? arg.toString('latin1') : ''
}

export function upper(arg: Buffer | undefined): string {
  return text(arg).toUpperCase()
}

/** The argument at `index`; the arity check has made sure it exists. */
export function arg(args: Buffer[], index: number): Buffer {
  const value = args[index]
  if (!value) throw new CommandError(SYNTAX_ERROR)
  return value
}

/** An int64 argument; beyond 2^53 it keeps its magnitude, not its last digits, which range checks only need. */
export function integerArg(value: Buffer | undefined, error = NOT_INTEGER): number {
  if (!value) throw new CommandError(error)
  const parsed = parseInteger(value) ?? parseInt64(value)
  if (parsed === undefined) throw new CommandError(error)
  return Number(parsed)
}

/** The optional count of LPOP, RPOP, SPOP, ZPOPMIN and ZPOPMAX at `index`: undefined when absent; never negative. */
export function optionalCount(args: Buffer[], index: number): number | undefined {
  if (args.length <= index) return undefined
  const count = integerArg(args[index], OUT_OF_RANGE)
  if (count < 0) throw new CommandError(OUT_OF_RANGE)
  return count
}

/** Largest int64, as the nearest double; used for Redis' overflow checks on times. */
export const INT64_MAX_APPROX = 2 ** 63

export function floatArg(value: Buffer | undefined, error = NOT_FLOAT): number {
  const parsed = parseFloatText(text(value))
  if (parsed === undefined) throw new CommandError(error)
  return parsed
}

/**
 * A double the way Redis reads one (strtod, then its checks): decimal or hexadecimal (0x1p3), inf and
 * infinity; no leading space, no NaN, no overflow to infinity, no underflow to zero.
 */
export function parseFloatText(value: string): number | undefined {
  const lower = value.toLowerCase()
  if (/^[+]?inf(inity)?$/.test(lower)) return Infinity
  if (/^-inf(inity)?$/.test(lower)) return -Infinity
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(lower)
  let parsed: number
  if (hex) {
    const [, sign, whole = '', fraction = '', exponent = '0'] = hex
    if (whole === '' && fraction === '') return undefined
    const mantissa = Number.parseInt(`${whole}${fraction}` || '0', 16) / 16 ** fraction.length
    parsed = (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent)
  } else if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) parsed = Number(value)
  else return undefined
  if (!Number.isFinite(parsed)) return undefined
  if (parsed === 0 && /[1-9]/.test(lower.replace(/e.*$|p.*$/, ''))) return undefined
  return parsed
}

/** The key's value if it has `type`; WRONGTYPE if it holds another type; undefined if missing. */
export function typed<T extends ValueType>(
  keyspace: Keyspace,
  key: string,
  type: T,
): Extract<Value, {type: T}> | undefined {
  const value = keyspace.get(key)
  if (value === undefined) return undefined
  if (value.type !== type) throw new CommandError(WRONG_TYPE)
  return value as Extract<Value, {type: T}>
}

/** The command name as Redis prints it in arity errors. */
export function wrongArity(name: string): CommandError {
  return new CommandError(`ERR wrong number of arguments for '${name}' command`)
}

export type Subcommand = {arity: number; run(context: CommandContext, args: Buffer[]): void}

/**
 * A container command (CLUSTER, CONFIG, CLIENT, COMMAND): dispatches on its first argument with Redis 7's
 * texts for an unknown subcommand and for a subcommand's wrong arity ('config|get').
 */
export function container(name: string, subcommands: Record<string, Subcommand>): CommandSpec['run'] {
  return (context, args) => {
    const sub = text(args[1]).toLowerCase()
    const subcommand = subcommands[sub]
    if (!subcommand)
      throw new CommandError(`ERR unknown subcommand '${text(args[1]).slice(0, 128)}'. Try ${name.toUpperCase()} HELP.`)
    const {arity} = subcommand
    if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity))
      throw new CommandError(`ERR wrong number of arguments for '${name}|${sub}' command`)
    subcommand.run(context, args)
  }
}
