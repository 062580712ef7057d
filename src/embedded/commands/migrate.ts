/** Moving keys between nodes: DUMP, RESTORE, RESTORE-ASKING, MIGRATE, and DEBUG DIGEST-VALUE for BUSYKEY checks. */
import {encodeCommand} from '../../redis/resp.js'
import {MigrateIoError} from '../migrate-client.js'
import {decodeDump, DumpPayloadError, encodeDump, writeRdbFile} from '../rdb/index.js'
import {EMPTY_DIGEST, fromPortable, toPortable, valueDigest} from '../portable.js'
import {keyspaceEntries} from '../snapshot.js'
import {keyString} from '../types.js'
import {
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
  integerArg,
  SINGLE_KEY,
  SYNTAX_ERROR,
  text,
  upper,
} from './command.js'

function dump({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const value = keyspace.get(keyString(arg(args, 1)))
  if (value) reply.bulk(encodeDump(toPortable(value)))
  else reply.nullBulk()
}

function parseRestoreOptions(args: Buffer[]): {replace: boolean; absoluteTtl: boolean} {
  const options = {absoluteTtl: false, replace: false}
  let idle = false
  let frequency = false
  for (let i = 4; i < args.length; i++) {
    const option = upper(args[i])
    const hasValue = i + 1 < args.length
    if (option === 'REPLACE') options.replace = true
    else if (option === 'ABSTTL') options.absoluteTtl = true
    else if (option === 'IDLETIME' && hasValue && !frequency) {
      if (integerArg(args[++i]) < 0) throw new CommandError('ERR Invalid IDLETIME value, must be >= 0')
      idle = true
    } else if (option === 'FREQ' && hasValue && !idle) {
      const value = integerArg(args[++i])
      if (value < 0 || value > 255) throw new CommandError('ERR Invalid FREQ value, must be >= 0 and <= 255')
      frequency = true
    } else throw new CommandError(SYNTAX_ERROR)
  }

  return options
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], checks in Redis' order. */
function restore({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const options = parseRestoreOptions(args)
  const key = keyString(arg(args, 1))
  if (!options.replace && keyspace.has(key)) throw new CommandError('BUSYKEY Target key name already exists.')
  let ttl = integerArg(args[2])
  if (ttl < 0) throw new CommandError('ERR Invalid TTL value, must be >= 0')
  let value
  try {
    value = fromPortable(decodeDump(arg(args, 3)))
  } catch (error) {
    if (error instanceof DumpPayloadError) throw new CommandError(`ERR ${error.message}`)
    throw error
  }

  if (options.replace) keyspace.delete(key)
  if (ttl && !options.absoluteTtl) ttl += Date.now()
  if (ttl && ttl <= Date.now()) return reply.ok()
  keyspace.set(key, value)
  if (ttl) keyspace.setExpireAt(key, ttl)
  reply.ok()
}

type MigrateRequest = {
  host: string
  port: number
  db: number
  timeoutMs: number
  copy: boolean
  replace: boolean
  auth: string[] | undefined
  keys: Buffer[]
}

function parseMigrate(args: Buffer[]): MigrateRequest {
  const request: MigrateRequest = {
    auth: undefined,
    copy: false,
    db: 0,
    host: text(args[1]),
    keys: [arg(args, 3)],
    port: 0,
    replace: false,
    timeoutMs: 0,
  }
  for (let i = 6; i < args.length; i++) {
    const option = upper(args[i])
    const more = args.length - 1 - i
    if (option === 'COPY') request.copy = true
    else if (option === 'REPLACE') request.replace = true
    else if (option === 'AUTH') {
      if (more < 1) throw new CommandError(SYNTAX_ERROR)
      request.auth = [text(args[++i])]
    } else if (option === 'AUTH2') {
      if (more < 2) throw new CommandError(SYNTAX_ERROR)
      request.auth = [text(args[i + 1]), text(args[i + 2])]
      i += 2
    } else if (option === 'KEYS') {
      if (arg(args, 3).length > 0)
        throw new CommandError('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string')
      request.keys = args.slice(i + 1)
      break
    } else throw new CommandError(SYNTAX_ERROR)
  }

  const timeout = integerArg(args[5])
  request.db = integerArg(args[4])
  request.timeoutMs = timeout <= 0 ? 1000 : timeout
  request.port = integerArg(args[2])
  return request
}

/** The keys MIGRATE names, for routing: the key argument, or everything after KEYS. */
export function migrateKeys(args: Buffer[]): Buffer[] {
  const keysAt = args.findIndex((value, index) => index >= 6 && upper(value) === 'KEYS')
  if (keysAt !== -1) return args.slice(keysAt + 1)
  const key = args[3]
  return key && key.length > 0 ? [key] : []
}

async function migrate(context: CommandContext, args: Buffer[]): Promise<void> {
  const {keyspace, node, reply} = context
  const request = parseMigrate(args)
  const present = request.keys.filter((key) => keyspace.has(keyString(key)))
  if (present.length === 0) return reply.status('NOKEY')
  const release = node.keysInFlight.hold(present.map((key) => keyString(key)))
  try {
    await migratePresent(context, request, present)
  } finally {
    release()
  }
}

async function migratePresent(context: CommandContext, request: MigrateRequest, present: Buffer[]): Promise<void> {
  const {keyspace, node} = context
  const cache = node.migrateConnections
  for (let attempt = 0; ; attempt++) {
    let connection
    try {
      connection = await cache.get(request.host, request.port, request.timeoutMs)
    } catch (error) {
      if (error instanceof MigrateIoError) throw new CommandError(error.message)
      throw error
    }

    const commands: Buffer[] = []
    if (request.auth) commands.push(encodeCommand(['AUTH', ...request.auth]))
    const select = connection.lastDb !== request.db
    if (select) commands.push(encodeCommand(['SELECT', String(request.db)]))
    const sent: Buffer[] = []
    for (const key of present) {
      const name = keyString(key)
      const value = keyspace.get(name)
      if (!value) continue
      const expireAt = keyspace.expireAt(name)
      const ttl = expireAt === undefined ? 0 : Math.max(1, expireAt - Date.now())
      const restoreArgs = [node.cluster ? 'RESTORE-ASKING' : 'RESTORE', key, String(ttl), encodeDump(toPortable(value))]
      if (request.replace) restoreArgs.push('REPLACE')
      commands.push(encodeCommand(restoreArgs))
      sent.push(key)
    }

    const preamble = commands.length - sent.length
    let lines: readonly string[]
    let lost: MigrateIoError | undefined
    try {
      lines = await connection.exchange(Buffer.concat(commands), commands.length, request.timeoutMs)
    } catch (error) {
      cache.drop(request.host, request.port)
      if (!(error instanceof MigrateIoError)) throw error
      // Like Redis: one retry on a new socket (the cached one may have been closed) when the target answered no
      // RESTORE yet and it was not a timeout (a slow target would only get the keys twice).
      if (attempt === 0 && !error.timedOut && error.replies.length <= preamble) continue
      lines = error.replies
      lost = error
    }

    finishMigrate(context, request, sent, lines.slice(0, preamble), lines.slice(preamble), lost)
    if (select) connection.lastDb = request.db
    return
  }
}

/**
 * Reads the target's replies, as many as came before any socket error (`lost`): keys it accepted are deleted here
 * (unless COPY), so that no key is left on both nodes; a failed AUTH or SELECT counts as a failure of every key.
 * The target's first error is reported, otherwise the socket error.
 */
function finishMigrate(
  {keyspace, reply}: CommandContext,
  request: MigrateRequest,
  sent: Buffer[],
  preambleReplies: readonly string[],
  restoreReplies: readonly string[],
  lost: MigrateIoError | undefined,
): void {
  const preambleError = preambleReplies.find((line) => line.startsWith('-'))
  let error = preambleError?.slice(1)
  for (const [index, line] of restoreReplies.entries()) {
    if (line.startsWith('-')) error ??= line.slice(1)
    else if (!request.copy && !preambleError) keyspace.delete(keyString(sent[index]!))
  }

  if (error) throw new CommandError(`ERR Target instance replied with error: ${error}`)
  if (lost) throw new CommandError(lost.message)
  reply.ok()
}

function debug({keyspace, reply}: CommandContext, args: Buffer[]): void {
  const sub = upper(args[1])
  if (sub === 'DIGEST-VALUE') {
    reply.array(args.length - 2)
    for (const key of args.slice(2)) {
      const name = keyString(key)
      const value = keyspace.get(name)
      reply.status(value ? valueDigest(value, keyspace.expireAt(name) !== undefined) : EMPTY_DIGEST)
    }

    return
  }

  if (sub === 'SLEEP' && args.length === 3) return reply.ok()
  throw new CommandError(`ERR unknown subcommand '${text(args[1])}'. Try DEBUG HELP.`)
}

/**
 * SYNC, as `redis-cli --cluster backup` uses it: the keys of db 0 as one RDB file, sent as `$<length>` and
 * the bytes (no CRLF after them, like Redis). There is no replication stream after it: the connection closes.
 */
function sync({client, keyspace, reply}: CommandContext): void {
  const file = writeRdbFile(keyspaceEntries(keyspace))
  reply.raw(Buffer.from(`$${file.length}\r\n`))
  reply.raw(file)
  client.closing = true
}

export const migrateCommands: CommandTable = {
  debug: {arity: -2, run: debug},
  dump: {arity: 2, keys: SINGLE_KEY, run: dump},
  migrate: {arity: -6, keys: migrateKeys, run: migrate, write: true},
  restore: {arity: -4, keys: SINGLE_KEY, run: restore, write: true},
  'restore-asking': {arity: -4, asking: true, keys: SINGLE_KEY, run: restore, write: true},
  sync: {arity: 1, run: sync},
}
