/** Connection and server commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, CLIENT, CONFIG, INFO, WAIT... */
import {globToRegExp} from '../glob.js'
import {infoText} from '../info.js'
import {REDIS_VERSION} from '../runtime.js'
import type {ClientState} from '../client.js'
import type {ReplyWriter} from '../resp.js'
import {
  arg,
  CommandError,
  type CommandContext,
  type CommandSpec,
  type CommandTable,
  container,
  type Subcommand,
  integerArg,
  SYNTAX_ERROR,
  text,
  upper,
  wrongArity,
} from './command.js'

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.'

function ping({reply}: CommandContext, args: Buffer[]): void {
  if (args.length > 2) throw wrongArity('ping')
  if (args.length === 2) reply.bulk(arg(args, 1))
  else reply.status('PONG')
}

const NO_PASSWORD_CONFIGURED =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?'

/** The default user is the only user: without requirepass it takes any password (nopass), like Redis' ACL. */
function checkPassword({node}: CommandContext, user: string, password: string): void {
  if (user !== 'default' || (node.password !== undefined && password !== node.password))
    throw new CommandError(WRONGPASS)
}

function auth(context: CommandContext, args: Buffer[]): void {
  if (args.length > 3) throw new CommandError(SYNTAX_ERROR)
  if (args.length === 2 && context.node.password === undefined) throw new CommandError(NO_PASSWORD_CONFIGURED)
  checkPassword(context, args.length === 3 ? text(args[1]) : 'default', text(args.at(-1)))
  context.client.authenticated = true
  context.reply.ok()
}

function hello(context: CommandContext, args: Buffer[]): void {
  const {client, node, reply} = context
  let protocol = reply.protocol
  if (args.length > 1) {
    const requested = Number.parseInt(text(args[1]), 10)
    if (!/^-?\d+$/.test(text(args[1]))) throw new CommandError('ERR Protocol version is not an integer or out of range')
    if (requested !== 2 && requested !== 3) throw new CommandError('NOPROTO unsupported protocol version')
    protocol = requested
  }

  let name: string | undefined
  for (let i = 2; i < args.length; i++) {
    const option = upper(args[i])
    if (option === 'AUTH' && i + 2 < args.length) {
      checkPassword(context, text(args[i + 1]), text(args[i + 2]))
      client.authenticated = true
      i += 2
    } else if (option === 'SETNAME' && i + 1 < args.length) {
      name = text(args[++i])
      if (!validClientName(name))
        throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.')
    } else throw new CommandError(`ERR Syntax error in HELLO option '${text(args[i])}'`)
  }

  if (!client.authenticated)
    throw new CommandError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    )
  if (name !== undefined) client.name = name
  reply.protocol = protocol
  reply.map(7)
  reply.bulk('server')
  reply.bulk('redis')
  reply.bulk('version')
  reply.bulk(REDIS_VERSION)
  reply.bulk('proto')
  reply.integer(protocol)
  reply.bulk('id')
  reply.integer(client.id)
  reply.bulk('mode')
  reply.bulk(node.cluster ? 'cluster' : 'standalone')
  reply.bulk('role')
  reply.bulk(node.cluster?.myself.role === 'slave' ? 'replica' : 'master')
  reply.bulk('modules')
  reply.array(0)
}

function select({client, node, reply}: CommandContext, args: Buffer[]): void {
  const db = integerArg(args[1])
  if (node.cluster && db !== 0) throw new CommandError('ERR SELECT is not allowed in cluster mode')
  if (db < 0 || db >= node.databases.length) throw new CommandError('ERR DB index is out of range')
  client.db = db
  reply.ok()
}

function validClientName(name: string): boolean {
  return /^[\x21-\x7e]*$/.test(name)
}

function describeClient(client: ClientState): string {
  const age = Math.floor((Date.now() - client.createdAt) / 1000)
  return `id=${client.id} addr=${client.address} name=${client.name} age=${age} db=${client.db}\n`
}

const clientCommand = container('client', {
  getname: {arity: 2, run: ({client, reply}) => (client.name ? reply.bulk(client.name) : reply.nullBulk())},
  id: {arity: 2, run: ({client, reply}) => reply.integer(client.id)},
  info: {arity: 2, run: ({client, reply}) => reply.verbatim(describeClient(client))},
  list: {arity: -2, run: ({node, reply}) => reply.verbatim([...node.clients].map(describeClient).join(''))},
  setname: {
    arity: 3,
    run({client, reply}, args) {
      const name = text(args[2])
      if (!validClientName(name))
        throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.')
      client.name = name
      reply.ok()
    },
  },
})

function configGet({node, reply}: CommandContext, args: Buffer[]): void {
  const found = new Map<string, string>()
  for (const pattern of args.slice(2)) {
    const matcher = globToRegExp(text(pattern).toLowerCase())
    for (const [name, value] of node.config) if (matcher.test(name)) found.set(name, value)
  }

  reply.map(found.size)
  for (const [name, value] of found) {
    reply.bulk(name)
    reply.bulk(value)
  }
}

const saveConfig: Subcommand = {
  arity: 2,
  run({node, reply}) {
    node.saveConfig()
    reply.ok()
  },
}

const config = container('config', {
  get: {arity: -3, run: configGet},
  resetstat: saveConfig,
  rewrite: saveConfig,
  set: {
    arity: -4,
    run({node, reply}, args) {
      if (args.length % 2 === 1) throw new CommandError("ERR wrong number of arguments for 'config|set' command")
      for (let i = 2; i < args.length; i += 2) setConfig(node.config, text(args[i]).toLowerCase(), text(args[i + 1]))
      reply.ok()
    },
  },
})

const IMMUTABLE = new Set(['bind', 'cluster-config-file', 'cluster-enabled', 'databases', 'port'])

function setConfig(config: Map<string, string>, name: string, value: string): void {
  const current = config.get(name)
  if (current === undefined)
    throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`)
  if (IMMUTABLE.has(name))
    throw new CommandError(
      `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`,
    )
  const failed = (reason: string) =>
    new CommandError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`)
  if (/^\d+$/.test(current) && !/^\d+$/.test(value)) {
    if (/^-\d+$/.test(value)) throw failed('argument must be between 0 and 9223372036854775807 inclusive')
    throw failed("argument couldn't be parsed into an integer")
  }

  if ((current === 'yes' || current === 'no') && value !== 'yes' && value !== 'no')
    throw new CommandError(
      `ERR CONFIG SET failed (possibly related to argument '${name}') - argument must be 'yes' or 'no'`,
    )
  config.set(name, value)
}

function info(context: CommandContext, args: Buffer[]): void {
  context.reply.verbatim(
    infoText(
      context.node,
      args.slice(1).map((section) => text(section).toLowerCase()),
    ),
  )
}

/**
 * WAIT: the replicas that acknowledged everything written so far (REPLCONF ACK); with fewer than asked for it
 * waits for more, up to the timeout (0: for ever, as in Redis).
 */
async function wait({node, reply}: CommandContext, args: Buffer[]): Promise<void> {
  const wanted = integerArg(args[1])
  const timeout = integerArg(args[2], 'ERR timeout is not an integer or out of range')
  if (timeout < 0) throw new CommandError('ERR timeout is negative')
  if (node.cluster?.myself.role === 'slave') throw new CommandError('ERR WAIT cannot be used with replica instances.')
  const {replication} = node
  reply.integer(await replication.waitForAcks(replication.offset, wanted, timeout))
}

/** The replica side of embedded replication asks for the stream with this (see replication.ts). */
function embeddedSync({client, node}: CommandContext): void {
  node.replication.attach(client, node.databases)
}

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: no reply, the node closes (saving its keys unless NOSAVE). */
function shutdown({client, node}: CommandContext, args: Buffer[]): void {
  const flags = new Set(args.slice(1).map((flag) => upper(flag)))
  for (const flag of flags)
    if (!['ABORT', 'FORCE', 'NOSAVE', 'NOW', 'SAVE'].includes(flag)) throw new CommandError(SYNTAX_ERROR)
  if (flags.has('ABORT')) throw new CommandError('ERR No shutdown in progress.')
  client.closing = true
  node.shutdown(!flags.has('NOSAVE'))
}

/** REPLCONF ACK <offset> from an attached replica gets no reply, as in Redis; other forms are accepted. */
function replconf({client, node, reply}: CommandContext, args: Buffer[]): void {
  if (upper(args[1]) === 'ACK') return node.replication.acknowledge(client, integerArg(args[2]))
  reply.ok()
}

function commandInfo(reply: ReplyWriter, name: string, spec: CommandSpec | undefined): void {
  if (!spec) return reply.nullArray()
  const keys = spec.keys && typeof spec.keys === 'object' ? spec.keys : {first: 0, last: 0, step: 0}
  reply.array(6)
  reply.bulk(name)
  reply.integer(spec.arity)
  reply.set(1)
  reply.status(spec.write ? 'write' : 'readonly')
  reply.integer(keys.first)
  reply.integer(keys.last)
  reply.integer(keys.step)
}

/** COMMAND: enough for clients that look commands up; DOCS is empty. */
function commandCommand(table: () => CommandTable): CommandSpec['run'] {
  const subcommands = container('command', {
    count: {arity: 2, run: ({reply}) => reply.integer(Object.keys(table()).length)},
    docs: {arity: -2, run: ({reply}) => reply.map(0)},
    info: {
      arity: -2,
      run({reply}, args) {
        reply.array(args.length - 2)
        for (const name of args.slice(2))
          commandInfo(reply, text(name).toLowerCase(), table()[text(name).toLowerCase()])
      },
    },
    list: {arity: -2, run: ({reply}) => reply.bulkArray(Object.keys(table()))},
  })
  return (context, args) => {
    if (args.length > 1) return subcommands(context, args)
    const entries = Object.entries(table())
    context.reply.array(entries.length)
    for (const [name, spec] of entries) commandInfo(context.reply, name, spec)
  }
}

export function serverCommands(table: () => CommandTable): CommandTable {
  return {
    auth: {arity: -2, noAuth: true, run: auth},
    client: {arity: -2, run: clientCommand},
    command: {arity: -1, run: commandCommand(table)},
    config: {arity: -2, run: config},
    echo: {arity: 2, run: ({reply}, args) => reply.bulk(arg(args, 1))},
    'embedded.sync': {arity: 1, run: embeddedSync},
    hello: {arity: -1, noAuth: true, run: hello},
    info: {arity: -1, run: info},
    ping: {arity: -1, run: ping},
    replconf: {arity: -3, run: replconf},
    shutdown: {arity: -1, run: shutdown},
    quit: {
      arity: -1,
      noAuth: true,
      run: ({client, reply}) => {
        client.closing = true
        reply.ok()
      },
    },
    select: {arity: 2, run: select},
    wait: {arity: 3, run: wait},
  }
}
