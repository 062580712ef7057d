import {spawn} from 'node:child_process'

import {
  diffStates,
  type Member,
  type NodeProbe,
  type NodeView,
  observeRound,
  startedEvent,
  type WatchEvent,
  type WatchRound,
  type WatchState,
} from '../cluster/events.js'
import {keysInDb0, numberField, parseInfo} from '../cluster/info.js'
import {parseClusterNodes} from '../cluster/nodes.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {formatRanges} from '../cluster/slots.js'
import type {NodePool} from '../redis/connection.js'
import {readCluster} from '../redis/discover.js'

export type WatchOptions = {
  readonly intervalMs: number
  /** Ends the watch at the next pause between rounds. */
  readonly signal: AbortSignal
}

/** What one round produced: the events of what changed, and the state for the live view. */
export type WatchUpdate = {readonly events: readonly WatchEvent[]; readonly state: WatchState}

/** Fewest nodes whose CLUSTER NODES a round reads, so that no single node's view decides alone. */
const MIN_READERS = 3
/** A node slower than this to answer a round counts as unreachable for that round. */
const MIN_PROBE_DEADLINE_MS = 1000

/**
 * Reads the cluster from `seed` (which must answer), then every `intervalMs` probes every known node and reads
 * CLUSTER NODES from every reachable master (their own lines carry open slots) and enough other nodes to have
 * several views. Only the first read needs the seed: later rounds use whatever nodes the cluster lists.
 */
export async function* watchCluster(pool: NodePool, seed: string, options: WatchOptions): AsyncGenerator<WatchUpdate> {
  let state = observeRound(roundFromSnapshot(await readCluster(pool, seed)))
  yield {events: [startedEvent(state, seed, new Date())], state}
  const deadlineMs = Math.max(options.intervalMs, MIN_PROBE_DEADLINE_MS)
  for (let started = Date.now(); await pause(options.intervalMs - (Date.now() - started), options.signal);) {
    started = Date.now()
    const next = observeRound(await readRound(pool, state, deadlineMs), state)
    yield {events: diffStates(state, next, new Date()), state: next}
    state = next
  }
}

function roundFromSnapshot(snapshot: ClusterSnapshot): WatchRound {
  return {
    probes: [
      ...snapshot.nodes.map((node): NodeProbe => ({
        address: node.address,
        clusterState: node.clusterInfo.cluster_state ?? 'unknown',
        currentEpoch: numberField(node.clusterInfo, 'cluster_current_epoch') ?? 0,
        keys: node.keys,
        reachable: true,
      })),
      ...snapshot.unreachable.map((node): NodeProbe => ({
        address: node.address,
        error: shortReason(node.error),
        reachable: false,
      })),
    ],
    views: snapshot.nodes.map((node) => ({address: node.address, lines: node.view})),
  }
}

/** Resolves true after `ms`, or false at once when the watch is stopped. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer)
      resolve(false)
    }

    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', stop)
        resolve(true)
      },
      Math.max(0, ms),
    )
    signal.addEventListener('abort', stop, {once: true})
  })
}

async function readRound(pool: NodePool, state: WatchState, deadlineMs: number): Promise<WatchRound> {
  const [probes, views] = await Promise.all([
    Promise.all(state.members.map((member) => probe(pool, member.address, deadlineMs))),
    Promise.all(readersOf(state.members).map((member) => readView(pool, member.address, deadlineMs))),
  ])
  return {probes, views: views.filter((view): view is NodeView => view !== undefined)}
}

/**
 * Every master that answered last time, and every replica whose master is in trouble (its own line is the first
 * to say it took over), topped up to MIN_READERS with other nodes, reachable ones first.
 */
function readersOf(members: readonly Member[]): Member[] {
  const byId = new Map(members.map((member) => [member.id, member]))
  const inTrouble = (member: Member | undefined) =>
    !member || member.failed || member.reachable === false || member.suspectedBy.length > 0
  const wanted = (member: Member) =>
    member.role === 'master' || (member.masterId !== undefined && inTrouble(byId.get(member.masterId)))
  const live = members.filter((member) => member.reachable !== false)
  const chosen = live.filter(wanted)
  const others = [...live, ...members.filter((m) => m.reachable === false)].filter((m) => !chosen.includes(m))
  return [...chosen, ...others.slice(0, Math.max(0, MIN_READERS - chosen.length))]
}

async function probe(pool: NodePool, address: string, deadlineMs: number): Promise<NodeProbe> {
  try {
    const [clusterInfo, keyspace] = await withDeadline(
      send(pool, address, ['CLUSTER', 'INFO'], ['INFO', 'keyspace']),
      deadlineMs,
    )
    const info = parseInfo(clusterInfo ?? '')
    return {
      address,
      clusterState: info.cluster_state ?? 'unknown',
      currentEpoch: numberField(info, 'cluster_current_epoch') ?? 0,
      keys: keysInDb0(parseInfo(keyspace ?? '')),
      reachable: true,
    }
  } catch (error) {
    return {address, error: shortReason(error), reachable: false}
  }
}

async function readView(pool: NodePool, address: string, deadlineMs: number): Promise<NodeView | undefined> {
  try {
    const [nodes] = await withDeadline(send(pool, address, ['CLUSTER', 'NODES']), deadlineMs)
    return {address, lines: parseClusterNodes(nodes ?? '')}
  } catch {
    // The probe of the same node reports why; a round does with the views it got.
    return undefined
  }
}

/** Sends commands in one pipeline; any error reply rejects. */
async function send(pool: NodePool, address: string, ...commands: Array<[string, ...string[]]>): Promise<string[]> {
  const connection = await pool.connect(address)
  const pipeline = connection.pipeline()
  for (const [name, ...args] of commands) pipeline.call(name, ...args)
  const replies = (await pipeline.exec()) ?? []
  return replies.map(([error, reply]) => {
    if (error) throw error
    return String(reply)
  })
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

/** Why a node did not answer, in a few words (connection errors name the node, which the event already does). */
function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  if (/refused/i.test(text)) return 'connection refused'
  if (/Connection is closed|ECONNRESET|EPIPE/i.test(text)) return 'connection closed'
  return (text.split('\n')[0] ?? text).replace(/^cannot connect to \S+: /, '')
}

/** How long the hook queue may grow while a slow hook runs; beyond it, events skip the hook (and say so). */
const MAX_QUEUED_HOOKS = 1000

export type HookOptions = {
  readonly command: string
  /** Told about every hook that failed, timed out or was skipped; never blocks. */
  readonly onFailure: (event: WatchEvent) => void
  readonly timeoutMs: number
}

/**
 * Runs the `--exec` command once per event, one at a time and in order (so a hook appending to a file sees
 * events in order), each for at most `timeoutMs`. The watch only queues events: a slow hook delays other hooks,
 * never the rounds.
 */
export class EventHook {
  private readonly queue: WatchEvent[] = []
  private running: Promise<void> | undefined

  constructor(private readonly options: HookOptions) {}

  /** Resolves when every queued event has been through the hook. */
  async drain(): Promise<void> {
    await this.running
  }

  push(event: WatchEvent): void {
    if (this.queue.length >= MAX_QUEUED_HOOKS) {
      this.options.onFailure(hookFailure(event, `skipped: ${MAX_QUEUED_HOOKS} events already wait for the hook`))
      return
    }

    this.queue.push(event)
    this.running ??= this.runQueue()
  }

  private async runQueue(): Promise<void> {
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      const failure = await runHook(this.options.command, event, this.options.timeoutMs)
      if (failure) this.options.onFailure(hookFailure(event, failure))
    }

    this.running = undefined
  }
}

function hookFailure(event: WatchEvent, reason: string): WatchEvent {
  return {
    code: 'HOOK_FAILED',
    details: {event: event.code, reason},
    message: `--exec hook for ${event.code} at ${event.time}: ${reason}`,
    nodes: event.nodes,
    slots: event.slots,
    time: new Date().toISOString(),
  }
}

/** Runs the hook for one event; resolves with why it failed, or undefined when it exited 0. */
function runHook(command: string, event: WatchEvent, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    // Its own process group, so that a timeout kills whatever the shell started too.
    const child = spawn(command, {detached: true, env: hookEnvironment(event), shell: true, stdio: ['pipe', 2, 'pipe']})
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
    }, timeoutMs)
    child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-300)))
    // A hook that exits without reading its input is fine.
    child.stdin?.on('error', () => {})
    child.stdin?.end(`${JSON.stringify(event)}\n`)
    child.once('error', (error) => {
      clearTimeout(timer)
      resolve(`cannot run it: ${error.message}`)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      const said = stderr.trim().split('\n').at(-1)
      if (timedOut) resolve(`killed after ${timeoutMs} ms`)
      else if (code !== 0)
        resolve(`${code === null ? `killed by ${signal}` : `exit status ${code}`}${said ? `: ${said}` : ''}`)
      else resolve(undefined)
    })
  })
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/** The event as variables, for hooks that do not parse JSON; without the password slotctl may hold. */
function hookEnvironment(event: WatchEvent): NodeJS.ProcessEnv {
  const {REDISCLI_AUTH: _secret, ...inherited} = process.env
  return {
    ...inherited,
    SLOTCTL_EVENT: event.code,
    SLOTCTL_EVENT_MESSAGE: event.message,
    SLOTCTL_EVENT_NODE_IDS: event.nodes.map((node) => node.id).join(' '),
    SLOTCTL_EVENT_NODES: event.nodes.map((node) => node.address).join(' '),
    SLOTCTL_EVENT_SLOTS: event.slots.length > 0 ? formatRanges(event.slots) : '',
    SLOTCTL_EVENT_TIME: event.time,
  }
}
