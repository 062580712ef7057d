/**
 * Runs one request for a client, in Redis' processCommand order: look the command up, check arity and
 * AUTH, queue it inside MULTI, redirect it in cluster mode, then run it. MULTI/EXEC/DISCARD live here
 * because EXEC runs queued commands through the same path.
 */
import type {ClientState} from '../client.js'
import {keyHashSlot} from '../../cluster/keyslot.js'
import {type RoutedCommand, routeCommands} from '../cluster/routing.js'
import type {ClusterState} from '../cluster/state.js'
import type {NodeRuntime} from '../runtime.js'
import {keyString} from '../types.js'
import {clusterCommands} from './cluster.js'
import {collectionCommands} from './collections.js'
import {CommandError, type CommandContext, type CommandSpec, type CommandTable, SINGLE_KEY, text} from './command.js'
import {keyCommands} from './keys.js'
import {migrateCommands} from './migrate.js'
import {serverCommands} from './server.js'
import {stringCommands} from './strings.js'
import {zsetCommands} from './zsets.js'

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.'

const transactionCommands: CommandTable = {
  discard: {
    arity: 1,
    run: ({client, reply}) => {
      if (client.transaction === undefined) throw new CommandError('ERR DISCARD without MULTI')
      endTransaction(client)
      reply.ok()
    },
    transactionControl: true,
  },
  exec: {arity: 1, run: exec, transactionControl: true},
  multi: {
    arity: 1,
    run: ({client, reply}) => {
      if (client.transaction !== undefined) throw new CommandError('ERR MULTI calls can not be nested')
      client.transaction = []
      client.transactionFailed = false
      reply.ok()
    },
    transactionControl: true,
  },
}

export const COMMANDS: CommandTable = {
  ...stringCommands,
  ...keyCommands,
  ...collectionCommands,
  ...zsetCommands,
  ...clusterCommands,
  ...migrateCommands,
  ...transactionCommands,
  ...serverCommands(() => COMMANDS),
}

/** ASCII lowercase of one byte, as strcasecmp compares command names. */
function lowerByte(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
}

/**
 * Commands by name length and first letter: a lookup compares a few bytes of the request in place, where
 * building a string of the name and hashing it would cost more than the command itself.
 */
const BY_SHAPE = new Map<number, {name: Buffer; spec: CommandSpec}[]>()
for (const [name, spec] of Object.entries(COMMANDS)) {
  const shape = (name.length << 8) | name.charCodeAt(0)
  const entries = BY_SHAPE.get(shape) ?? []
  entries.push({name: Buffer.from(name), spec})
  BY_SHAPE.set(shape, entries)
}

function lookup(name: Buffer | undefined): CommandSpec | undefined {
  if (!name || name.length === 0) return undefined
  const entries = BY_SHAPE.get((name.length << 8) | lowerByte(name[0]!))
  if (!entries) return undefined
  for (const entry of entries) {
    let i = 1
    while (i < name.length && entry.name[i] === lowerByte(name[i]!)) i++
    if (i === name.length) return entry.spec
  }

  return undefined
}

function endTransaction(client: ClientState): void {
  client.transaction = undefined
  client.transactionFailed = false
}

/** The keys of a command per its key spec. */
export function commandKeys(spec: CommandSpec, args: Buffer[]): Buffer[] {
  const {keys} = spec
  if (!keys) return []
  if (typeof keys === 'function') return keys(args)
  const last = keys.last < 0 ? args.length + keys.last : keys.last
  const found: Buffer[] = []
  for (let i = keys.first; i <= last; i += keys.step) {
    const key = args[i]
    if (key) found.push(key)
  }

  return found
}

function routed(spec: CommandSpec, args: Buffer[]): RoutedCommand {
  return {
    asking: spec.asking === true,
    isMigrate: spec === COMMANDS.migrate,
    keys: commandKeys(spec, args),
    write: spec.write === true,
  }
}

/** The common case decided without allocating: one key, in a stable slot this node owns, cluster ok. */
function servesLocally(cluster: ClusterState, spec: CommandSpec, args: Buffer[]): boolean {
  if (spec.keys !== SINGLE_KEY || spec.asking) return false
  const key = args[1]
  if (!key) return false
  const slot = keyHashSlot(key)
  return (
    cluster.owners[slot] === cluster.myself &&
    !cluster.migratingTo.has(slot) &&
    !cluster.importingFrom.has(slot) &&
    cluster.stateOk
  )
}

function unknownCommand(args: Buffer[]): string {
  let list = ''
  for (let i = 1; i < args.length && list.length < 128; i++) list += `'${text(args[i]).slice(0, 128 - list.length)}' `
  return `ERR unknown command '${text(args[0]).slice(0, 128)}', with args beginning with: ${list}`
}

/** Checks that do not depend on the command's own logic; returns the error to reply with, if any. */
function precheck(client: ClientState, spec: CommandSpec | undefined, args: Buffer[]): string | undefined {
  if (!spec) return unknownCommand(args)
  if ((spec.arity > 0 && args.length !== spec.arity) || args.length < -spec.arity)
    return `ERR wrong number of arguments for '${text(args[0]).toLowerCase()}' command`
  if (!client.authenticated && !spec.noAuth) return 'NOAUTH Authentication required.'
  return undefined
}

/** Runs a request; returns a promise only for commands that wait (MIGRATE, WAIT). */
export function execute(node: NodeRuntime, client: ClientState, args: Buffer[]): void | Promise<void> {
  const spec = lookup(args[0])
  // Checked only while a MIGRATE is under way, so the hot path pays one property read.
  const moving =
    spec?.keys && node.keysInFlight.active
      ? node.keysInFlight.blockerFor(commandKeys(spec, args).map((key) => keyString(key)))
      : undefined
  // A key a MIGRATE is moving: run once the move is over (then the key is gone, and routing says ASK).
  if (moving) return moving.then(() => execute(node, client, args))
  // A manual failover under way on this master: writes wait until it is over (then they are redirected).
  if (node.writesPaused && spec && (spec.write || spec === COMMANDS.exec) && !client.isMaster)
    return node.writesPaused.then(() => execute(node, client, args))
  node.stats.commands++
  const result = dispatch(node, client, spec, args)
  // ASKING lasts for one command, refused or not, unless a transaction is being queued.
  if (spec !== COMMANDS.asking && client.transaction === undefined) client.asking = false
  return result
}

function dispatch(
  node: NodeRuntime,
  client: ClientState,
  spec: CommandSpec | undefined,
  args: Buffer[],
): void | Promise<void> {
  const refusal = precheck(client, spec, args)
  if (refusal || !spec) return refuse(node, client, refusal ?? 'ERR')
  if (node.cluster && spec.keys && !client.isMaster && !servesLocally(node.cluster, spec, args)) {
    const redirect = routeCommands(node.cluster, node.keyspace, client, [routed(spec, args)])
    if (redirect) return refuse(node, client, redirect)
  }

  if (spec.write && !client.isMaster && node.cluster?.myself.role === 'slave')
    return refuse(node, client, "READONLY You can't write against a read only replica.")
  if (client.transaction !== undefined && !spec.transactionControl) {
    client.transaction.push(args.map((value) => Buffer.from(value)))
    client.reply.status('QUEUED')
    return
  }

  return run(node, client, spec, args)
}

function refuse(node: NodeRuntime, client: ClientState, message: string): void {
  node.stats.rejectedCalls++
  if (client.transaction !== undefined) client.transactionFailed = true
  client.reply.error(message)
}

function run(node: NodeRuntime, client: ClientState, spec: CommandSpec, args: Buffer[]): void | Promise<void> {
  const keyspace = node.databases[client.db] ?? node.keyspace
  const context: CommandContext = {client, keyspace, node, reply: client.reply}
  try {
    const result = spec.run(context, args)
    if (result)
      return result.then(
        () => propagate(node, context, spec, args),
        (error: unknown) => replyError(client, error),
      )
    propagate(node, context, spec, args)
  } catch (error) {
    replyError(client, error)
  }
}

/** A write that succeeded goes to the replicas, and counts as unsaved (snapshot.ts). */
function propagate(node: NodeRuntime, {client, keyspace}: CommandContext, spec: CommandSpec, args: Buffer[]): void {
  if (!spec.write) return
  node.writes++
  if (node.replication.replicaCount > 0) node.replication.propagate(keyspace, client.db, commandKeys(spec, args), args)
}

/** Error replies; a bug in one command answers that command with an error instead of stopping the node. */
function replyError(client: ClientState, error: unknown): void {
  if (error instanceof CommandError) client.reply.error(error.message)
  else client.reply.error(`ERR internal error: ${error instanceof Error ? error.message : String(error)}`)
}

/** EXEC: aborts if a queued command was refused or the keys moved meanwhile, else runs them all. */
async function exec(context: CommandContext): Promise<void> {
  const {client, node, reply} = context
  const queued = client.transaction
  if (queued === undefined) throw new CommandError('ERR EXEC without MULTI')
  const failed = client.transactionFailed
  endTransaction(client)
  if (failed) throw new CommandError(EXECABORT)
  if (node.cluster) {
    const commands = queued.flatMap((args) => {
      const spec = lookup(args[0])
      return spec ? [routed(spec, args)] : []
    })
    const redirect = routeCommands(node.cluster, node.keyspace, client, commands)
    if (redirect) throw new CommandError(redirect)
  }

  reply.array(queued.length)
  for (const args of queued) {
    const spec = lookup(args[0])
    if (spec) await run(node, client, spec, args)
  }

  client.asking = false
}
