/**
 * Conformance cases as data: a case is a named script of steps (commands, raw bytes, pipelines, full SCANs...) run
 * on the same topology of nodes on both sides. Every reply is normalised (per step, where a difference is legitimate)
 * and rendered back to RESP bytes, so that the two sides are compared byte for byte, types included.
 */
import {createHash} from 'node:crypto'

import {encodeCommand} from '../../../src/redis/resp.js'
import {type Arg, type Reply, RespConnection, render, textOf} from './resp.js'
import type {TestNode} from './nodes.js'

/** What one side knows while it runs a script: its nodes by role, and the raw replies so far. */
export type Side = {
  nodes: Record<string, TestNode>
  replies: Reply[]
  vars: Record<string, string>
}

export type ArgSpec = Arg | ((side: Side) => Arg)
export type Normaliser = (reply: Reply, side: Side) => Reply

type Common = {
  /** A normaliser for this step's replies (the legitimate difference is explained where the step is written). */
  n?: Normaliser
  /** The node (role) to send to; default `a`. */
  on?: string
}

export type Step =
  | ArgSpec[]
  /**
   * With `until`, the command is repeated (every 50 ms, for up to `withinMs`, default 5 s) until its reply passes:
   * for state that converges in the background (gossip, replication); the last reply is the one compared.
   */
  | (Common & {cmd: ArgSpec[]; until?: (reply: Reply) => boolean; withinMs?: number})
  /** Raw bytes in one write, then `replies` replies read (default 1). */
  | (Common & {raw: Buffer | string; replies?: number})
  /** Every command in one write, then every reply read. */
  | (Common & {pipeline: ArgSpec[][]})
  /** Waits up to `closed` ms for the server to close the connection. */
  | (Common & {closed: number})
  | {sleep: number}
  /** A full SCAN iteration with these options; the reply is the sorted set of keys seen (cursors and order differ). */
  | (Common & {scan: ArgSpec[]})

export type Case = {
  name: string
  steps: Step[]
  /** Why the subject does not pass yet: the case still runs, reported as todo. */
  todo?: string
}

export type Outcome = {lines: string[]}

function resolveArg(arg: ArgSpec, side: Side): Arg {
  const value = typeof arg === 'function' ? arg(side) : arg
  if (Buffer.isBuffer(value)) return value
  return value.replaceAll(/<([a-z]+:[a-z0-9]+)>/g, (token, name: string) => side.vars[name] ?? token)
}

/** A step as text, the same on both sides: computed arguments (payloads, times) show as `<computed>`. */
function describeStep(step: Step, side: Side): string {
  if (Array.isArray(step))
    return step.map((arg) => (typeof arg === 'function' ? '<computed>' : show(arg, side))).join(' ')
  if ('cmd' in step) return describeStep(step.cmd, side) + (step.on ? ` @${step.on}` : '')
  if ('raw' in step) return `raw ${JSON.stringify(Buffer.from(step.raw).toString('latin1').slice(0, 60))}`
  if ('pipeline' in step) return `pipeline of ${step.pipeline.length}`
  if ('closed' in step) return 'connection closed?'
  if ('sleep' in step) return `sleep ${step.sleep}`
  return `full SCAN ${describeStep(step.scan, side)}`
}

function show(arg: Arg, side: Side): string {
  if (Buffer.isBuffer(arg)) return arg.length > 48 ? `<${arg.length} bytes>` : `<${arg.toString('hex')}>`
  return arg.length > 48 ? `${arg.slice(0, 45)}...` : unvar(arg, side)
}

/** Replaces this side's node ids and addresses with role tokens (`<id:b>`, `<port:b>`), so both sides read alike. */
function unvar(text: string, side: Side): string {
  let out = text
  for (const [role, node] of Object.entries(side.nodes)) {
    if (node.id) out = out.replaceAll(node.id, `<id:${role}>`)
    out = out.replaceAll(`${node.host}:${node.port}`, `${node.host}:<port:${role}>`)
    out = out.replaceAll(`@${node.busPort}`, `@<cport:${role}>`)
  }

  return out
}

/** Applies `unvar` to every string in a reply. */
export function unvarReply(reply: Reply, side: Side): Reply {
  const text = (value: string) => unvar(value, side)
  const bytes = (value: Buffer) => Buffer.from(unvar(value.toString('latin1'), side), 'latin1')
  switch (reply.t) {
    case '+':
    case '-': {
      return {...reply, v: text(reply.v)}
    }

    case '$': {
      return reply.v === null ? reply : {...reply, v: bytes(reply.v)}
    }

    case '=':
    case '!': {
      return {...reply, v: bytes(reply.v)}
    }

    case '*': {
      return reply.v === null ? reply : {...reply, v: reply.v.map((item) => unvarReply(item, side))}
    }

    case '~':
    case '>': {
      return {...reply, v: reply.v.map((item) => unvarReply(item, side))}
    }

    case '%': {
      return {...reply, v: reply.v.map(([k, v]) => [unvarReply(k, side), unvarReply(v, side)] as [Reply, Reply])}
    }

    default: {
      return reply
    }
  }
}

export function sideFor(nodes: Record<string, TestNode>): Side {
  const vars: Record<string, string> = {}
  for (const [role, node] of Object.entries(nodes)) {
    vars[`id:${role}`] = node.id
    vars[`port:${role}`] = String(node.port)
    vars[`cport:${role}`] = String(node.busPort)
    vars[`host:${role}`] = node.host
  }

  return {nodes, replies: [], vars}
}

/** Runs a case on one side and returns one line per reply: `command -> normalised RESP`. */
export async function runScript(steps: Step[], side: Side): Promise<Outcome> {
  const connections = new Map<string, RespConnection>()
  const lines: string[] = []
  const connectionFor = async (role = 'a') => {
    let connection = connections.get(role)
    if (!connection) {
      const node = side.nodes[role]
      if (!node) throw new Error(`no node ${role} in this group`)
      connection = await RespConnection.open(node.host, node.port)
      connections.set(role, connection)
    }

    return connection
  }

  const record = (step: Step, reply: Reply, normalise?: Normaliser, label?: string) => {
    const text = label ?? describeStep(step, side)
    side.replies.push(reply)
    let out = unvarReply(reply, side)
    if (normalise) out = normalise(out, side)
    lines.push(`${text} -> ${render(out)}`)
  }

  try {
    for (const step of steps) {
      if (Array.isArray(step) || 'cmd' in step) {
        const argv = (Array.isArray(step) ? step : step.cmd).map((arg) => resolveArg(arg, side))
        const connection = await connectionFor(Array.isArray(step) ? 'a' : step.on)
        connection.send(argv)
        let reply = await connection.readOrNote()
        if (!Array.isArray(step) && step.until) {
          const deadline = Date.now() + (step.withinMs ?? 5000)
          while (!step.until(reply) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 50))
            connection.send(argv)
            reply = await connection.readOrNote()
          }
        }

        record(step, reply, Array.isArray(step) ? undefined : step.n)
      } else if ('raw' in step) {
        const connection = await connectionFor(step.on)
        connection.write(step.raw)
        for (let i = 0; i < (step.replies ?? 1); i++) record(step, await connection.readOrNote(), step.n)
      } else if ('pipeline' in step) {
        const connection = await connectionFor(step.on)
        const commands = step.pipeline.map((argv) => argv.map((arg) => resolveArg(arg, side)))
        connection.write(Buffer.concat(commands.map((argv) => encodeCommand(argv))))
        for (const argv of step.pipeline) {
          record(step, await connection.readOrNote(), step.n, `pipelined ${describeStep(argv, side)}`)
        }
      } else if ('closed' in step) {
        const connection = await connectionFor(step.on)
        const closed = await connection.waitClosed(step.closed)
        record(step, {t: 'note', v: closed ? 'closed' : `still open after ${step.closed} ms`})
      } else if ('sleep' in step) {
        await new Promise((resolve) => setTimeout(resolve, step.sleep))
      } else {
        const connection = await connectionFor(step.on)
        record(
          step,
          await fullScan(
            connection,
            step.scan.map((arg) => resolveArg(arg, side)),
          ),
          step.n,
        )
      }
    }
  } finally {
    for (const connection of connections.values()) connection.close()
  }

  return {lines}
}

/**
 * SCAN until the cursor comes back to 0. Cursors and the order of keys are implementation details, so the result is
 * a note: the reply shapes seen (each must be a 2-element array of a bulk cursor and an array of bulks) and the sorted,
 * de-duplicated keys. An error reply is returned as is.
 */
async function fullScan(connection: RespConnection, options: Arg[]): Promise<Reply> {
  let cursor = '0'
  const keys = new Set<string>()
  for (let round = 0; round < 100_000; round++) {
    connection.send(['SCAN', cursor, ...options])
    const reply = await connection.readOrNote()
    if (reply.t === '-' || reply.t === 'note') return reply
    const [next, batch] = reply.t === '*' && reply.v?.length === 2 ? reply.v : []
    if (next?.t !== '$' || !next.v || batch?.t !== '*' || !batch.v)
      return {t: 'note', v: `bad SCAN reply ${render(reply)}`}
    for (const key of batch.v) {
      if (key.t !== '$' || !key.v) return {t: 'note', v: `bad key in SCAN reply ${render(reply)}`}
      keys.add(key.v.toString('latin1'))
    }

    cursor = next.v.toString('latin1')
    if (cursor === '0') return {t: 'note', v: `keys ${[...keys].sort().join(',')}`}
  }

  return {t: 'note', v: 'SCAN did not finish'}
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisers. Each keeps the reply's type wherever it can, so a type difference still shows.

function placeholder(reply: Reply, label: string): Reply {
  switch (reply.t) {
    case '$': {
      return reply.v === null ? reply : {t: '$', v: Buffer.from(`<${label}>`)}
    }

    case '=': {
      return {...reply, v: Buffer.from(`<${label}>`)}
    }

    case '+':
    case ':':
    case ',': {
      return {...reply, v: `<${label}>`}
    }

    default: {
      return reply
    }
  }
}

/** A value that differs between servers (payload bytes, run ids): only its type and presence are compared. */
export const any =
  (label = 'any'): Normaliser =>
  (reply) =>
    placeholder(reply, label)

/** Elements of an array or set in sorted order: the order comes from a hash table with a per-process seed. */
export const sorted: Normaliser = (reply) => {
  const order = (items: Reply[]) =>
    [...items].sort((x, y) => (render(x) < render(y) ? -1 : render(x) > render(y) ? 1 : 0))
  if (reply.t === '*' && reply.v) return {t: '*', v: order(reply.v)}
  if (reply.t === '~') return {t: '~', v: order(reply.v)}
  if (reply.t === '%') return {t: '%', v: [...reply.v].sort((x, y) => (render(x[0]) < render(y[0]) ? -1 : 1))}
  return reply
}

/** Field/value pairs (RESP2 flat arrays, RESP3 maps) in sorted order, for hash-table-ordered replies. */
export const pairs: Normaliser = (reply) => {
  if (reply.t === '%') return sorted(reply, undefined as never)
  if (reply.t !== '*' || !reply.v) return reply
  const list: Array<[Reply, Reply]> = []
  for (let i = 0; i + 1 < reply.v.length; i += 2) list.push([reply.v[i]!, reply.v[i + 1]!])
  list.sort((x, y) => (render(x[0]) < render(y[0]) ? -1 : 1))
  return {t: '*', v: list.flat()}
}

/** An integer TTL within [lo, hi] (time passes between SET and TTL; the two servers do not run in lockstep). */
export const within =
  (lo: number, hi: number): Normaliser =>
  (reply) => {
    if (reply.t !== ':') return reply
    const value = Number(reply.v)
    return value >= lo && value <= hi ? {t: ':', v: `<${lo}..${hi}>`} : reply
  }

/** A bulk string replaced by its length and SHA-1 (large values: the report stays readable, the bytes still count). */
export const digest: Normaliser = (reply) => {
  if (reply.t !== '$' || !reply.v) return reply
  return {t: '$', v: Buffer.from(`<${reply.v.length} bytes, sha1 ${createHash('sha1').update(reply.v).digest('hex')}>`)}
}

/** Only the number of elements of an array or set (SPOP with a count picks random members). */
export const size: Normaliser = (reply) => {
  if ((reply.t === '*' || reply.t === '~') && reply.v)
    return {t: reply.t, v: reply.v.map(() => ({t: 'note', v: 'member'}))}
  return reply
}

/** Only these `name:value` lines of an INFO-style text (the other fields are counters, times, versions). */
export const fields =
  (...names: string[]): Normaliser =>
  (reply) => {
    const text = textOf(reply)
    if (text === undefined || reply.t === '-') return reply
    const kept = text.split('\r\n').filter((line) => names.includes(line.split(':')[0]!))
    const body = Buffer.from(kept.map((line) => `${line}\r\n`).join(''), 'latin1')
    if (reply.t === '=') return {...reply, v: body}
    if (reply.t === '$') return {t: '$', v: body}
    return reply
  }

/** In a map reply (RESP3 map or RESP2 flat array of pairs), replace the values of these keys with placeholders. */
export const mapValues =
  (...keys: string[]): Normaliser =>
  (reply) => {
    const fix = (key: Reply, value: Reply): Reply =>
      keys.includes(textOf(key) ?? '') ? placeholder(value, textOf(key)!) : value
    if (reply.t === '%') return {t: '%', v: reply.v.map(([k, v]) => [k, fix(k, v)] as [Reply, Reply])}
    if (reply.t === '*' && reply.v) {
      const items = reply.v
      return {t: '*', v: items.map((item, i) => (i % 2 === 1 ? fix(items[i - 1]!, item) : item))}
    }

    return reply
  }

/** CLUSTER NODES: ping-sent and pong-received are wall-clock milliseconds; everything else is compared. */
export const nodesText: Normaliser = (reply) => {
  const text = textOf(reply)
  if (text === undefined || reply.t === '-') return reply
  const body = text
    .split('\n')
    .map((line) => {
      const parts = line.split(' ')
      if (parts.length < 8) return line
      parts[4] = '<ping>'
      parts[5] = '<pong>'
      return parts.join(' ')
    })
    .sort()
    .join('\n')
  return reply.t === '=' ? {...reply, v: Buffer.from(body, 'latin1')} : {t: '$', v: Buffer.from(body, 'latin1')}
}

/** Integers equal to one of this side's node ports become role tokens (CLUSTER SLOTS/SHARDS carry ports as integers). */
export const ports: Normaliser = (reply, side) => {
  const walk = (r: Reply): Reply => {
    if (r.t === ':') {
      for (const [role, node] of Object.entries(side.nodes)) {
        if (r.v === String(node.port)) return {t: ':', v: `<port:${role}>`}
      }

      return r
    }

    if ((r.t === '*' && r.v) || r.t === '~' || r.t === '>') return {...r, v: (r.v as Reply[]).map(walk)} as Reply
    if (r.t === '%') return {t: '%', v: r.v.map(([k, v]) => [walk(k), walk(v)] as [Reply, Reply])}
    return r
  }

  return walk(reply)
}

/** Elements of an array that are all equal collapse to one note (DEBUG DIGEST-VALUE of a key and its RESTOREd copy). */
export const allEqual: Normaliser = (reply) => {
  if (reply.t !== '*' || !reply.v || reply.v.length === 0) return reply
  const first = render(reply.v[0]!)
  return reply.v.every((item) => render(item) === first)
    ? {t: 'note', v: `${reply.v.length} equal ${reply.v[0]!.t}`}
    : reply
}

export function compose(...normalisers: Normaliser[]): Normaliser {
  return (reply, side) => normalisers.reduce((r, n) => n(r, side), reply)
}

// ---------------------------------------------------------------------------------------------------------------
// Step builders, so that a case stays one line.

/** A command whose reply goes through `normalise`. */
export function n(normalise: Normaliser, ...argv: ArgSpec[]): Step {
  return {cmd: argv, n: normalise}
}

/** A command sent to the node with role `role`. */
export function on(role: string, ...argv: ArgSpec[]): Step {
  return {cmd: argv, on: role}
}

/** The bulk value of this side's reply number `index` (negative counts from the end), e.g. a DUMP payload. */
export function replyValue(index: number): (side: Side) => Arg {
  return (side) => {
    const reply = side.replies.at(index)
    if (reply?.t !== '$' || !reply.v)
      throw new Error(`reply ${index} is not a bulk string: ${reply ? render(reply) : 'none'}`)
    return reply.v
  }
}

/** `count` commands made by `make(i)`. */
export function times(count: number, make: (i: number) => ArgSpec[]): ArgSpec[][] {
  return Array.from({length: count}, (_, i) => make(i))
}
