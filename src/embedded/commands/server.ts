/** Connection and server commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, CLIENT, CONFIG, INFO, WAIT... */
import {globToRegExp} from '../glob.js'
import {infoText} from '../info.js'
import {REDIS_VERSION} from '../runtime.js'
import {
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
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

function checkPassword({node}: CommandContext, user: string, password: string): void {
  if (node.password === undefined)
    throw new CommandError(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    )
  if (user !== 'default' || password !== node.password) throw new CommandError(WRONGPASS)
}

function auth(context: CommandContext, args: Buffer[]): void {
  if (args.length > 3) throw new CommandError(SYNTAX_ERROR)
  const user = args.length === 3 ? text(args[1]) : 'default'
  if (args.length === 2 && context.node.password === undefined) checkPassword(context, user, '')
  checkPassword(context, user, text(args.at(-1)))
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
    } else if (option === 'SETNAME' && i + 1 < args.length) name = text(args[++i])
    else throw new CommandError(`ERR Syntax error in HELLO option '${text(args[i])}'`)
  }

  if (!client.authenticated)
    throw new CommandError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
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

function select({node, reply}: CommandContext, args: Buffer[]): void {
  const db = integerArg(args[1], 'ERR invalid DB index')
  if (db === 0) return reply.ok()
  if (node.cluster) throw new CommandError('ERR SELECT is not allowed in cluster mode')
  throw new CommandError('ERR DB index is out of range')
}

function validClientName(name: string): boolean {
  return /^[\x21-\x7e]*$/.test(name)
}

function clientCommand({client, node, reply}: CommandContext, args: Buffer[]): void {
  const sub = upper(args[1])
  if (sub === 'ID' && args.length === 2) return reply.integer(client.id)
  if (sub === 'GETNAME' && args.length === 2) return client.name ? reply.bulk(client.name) : reply.nullBulk()
  if (sub === 'SETNAME' && args.length === 3) {
    const name = text(args[2])
    if (!validClientName(name))
      throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.')
    client.name = name
    return reply.ok()
  }

  if (sub === 'SETINFO' && args.length === 4) {
    const attribute = upper(args[2])
    if (attribute === 'LIB-NAME') client.libName = text(args[3])
    else if (attribute === 'LIB-VER') client.libVersion = text(args[3])
    else throw new CommandError(`ERR Unrecognized option '${text(args[2])}'`)
    return reply.ok()
  }

  if ((sub === 'LIST' || sub === 'INFO') && args.length === 2) {
    const describe = (state: typeof client) =>
      `id=${state.id} addr=${state.address} name=${state.name} age=${Math.floor((Date.now() - state.createdAt) / 1000)} db=0 lib-name=${state.libName} lib-ver=${state.libVersion}\n`
    return reply.verbatim(sub === 'INFO' ? describe(client) : [...node.clients].map(describe).join(''))
  }

  throw new CommandError(`ERR unknown subcommand or wrong number of arguments for '${text(args[1])}'. Try CLIENT HELP.`)
}

function config({node, reply}: CommandContext, args: Buffer[]): void {
  const sub = upper(args[1])
  if (sub === 'GET' && args.length >= 3) {
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

    return
  }

  if (sub === 'SET' && args.length >= 4 && args.length % 2 === 0) {
    for (let i = 2; i < args.length; i += 2) setConfig(node.config, text(args[i]).toLowerCase(), text(args[i + 1]))
    return reply.ok()
  }

  if ((sub === 'REWRITE' || sub === 'RESETSTAT') && args.length === 2) {
    node.saveConfig()
    return reply.ok()
  }

  throw new CommandError(`ERR unknown subcommand or wrong number of arguments for '${text(args[1])}'. Try CONFIG HELP.`)
}

const IMMUTABLE = new Set(['bind', 'cluster-config-file', 'cluster-enabled', 'databases', 'port'])

function setConfig(config: Map<string, string>, name: string, value: string): void {
  const current = config.get(name)
  if (current === undefined)
    throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`)
  if (IMMUTABLE.has(name))
    throw new CommandError(
      `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`,
    )
  if (/^\d+$/.test(current) && !/^\d+$/.test(value))
    throw new CommandError(
      `ERR CONFIG SET failed (possibly related to argument '${name}') - argument couldn't be parsed into an integer`,
    )
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

/** WAIT: nothing replicates yet, so no replica ever acknowledges; answers 0 after the timeout like Redis. */
async function wait({reply}: CommandContext, args: Buffer[]): Promise<void> {
  integerArg(args[1])
  const timeout = integerArg(args[2], 'ERR timeout is not an integer or out of range')
  if (timeout < 0) throw new CommandError('ERR timeout is negative')
  if (timeout > 0) await new Promise((resolve) => setTimeout(resolve, timeout))
  reply.integer(0)
}

function commandCommand({reply}: CommandContext, args: Buffer[], table: () => CommandTable): void {
  const sub = upper(args[1])
  const entries = Object.entries(table())
  if (args.length === 1 || sub === 'INFO') {
    const wanted =
      args.length === 1
        ? entries
        : args.slice(2).map((name) => [text(name).toLowerCase(), table()[text(name).toLowerCase()]] as const)
    reply.array(wanted.length)
    for (const [name, spec] of wanted) {
      if (!spec) {
        reply.nullArray()
        continue
      }

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

    return
  }

  if (sub === 'COUNT') return reply.integer(entries.length)
  if (sub === 'DOCS') return reply.map(0)
  throw new CommandError(`ERR unknown subcommand '${text(args[1])}'. Try COMMAND HELP.`)
}

export function serverCommands(table: () => CommandTable): CommandTable {
  return {
    auth: {arity: -2, noAuth: true, run: auth},
    client: {arity: -2, run: clientCommand},
    command: {arity: -1, run: (context, args) => commandCommand(context, args, table)},
    config: {arity: -2, run: config},
    echo: {arity: 2, run: ({reply}, args) => reply.bulk(arg(args, 1))},
    hello: {arity: -1, noAuth: true, run: hello},
    info: {arity: -1, run: info},
    ping: {arity: -1, run: ping},
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
