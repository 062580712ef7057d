import {OperationError} from '../../cluster/errors.js'
import {type MigrationSettings, type MoveStep, windowsOf} from '../../cluster/move-plan.js'
import {canRestore, capabilitiesOf, describeServer} from '../../cluster/capabilities/index.js'
import {masters, type NodeReading} from '../../cluster/snapshot.js'
import {NodePool} from '../../redis/connection.js'
import {migrateAuthArgs} from '../../redis/settings.js'
import {readCluster} from '../../redis/discover.js'
import {clusterStateOk, waitUntil} from '../converge.js'
import {BatchSizer, drainSlots} from './migrate-keys.js'
import {type Endpoint, MoveInterrupted, type Pair} from './pair.js'
import {SetslotLanes} from './setslot-lanes.js'
import {closeSlots, openSlots} from './slot-states.js'

/** A step and its index in the plan, which the journal records. */
export type MoveJob = {readonly index: number; readonly step: MoveStep}

export type EngineEvents = {
  /** Keys moved (any pair), as they go. */
  readonly onKeys?: (count: number) => void
  /** A window of slots is moved, closed and agreed on by every master: the point the journal records. */
  readonly onWindowDone?: (job: MoveJob, slots: readonly number[], keys: number) => void
}

export type EngineOptions = {
  readonly events?: EngineEvents
  readonly settings: MigrationSettings
  /** Aborting stops every move after its current batch; the run then throws MoveInterrupted. */
  readonly signal?: AbortSignal
}

export type MoveSummary = {
  keysMoved: number
  keysPerSecond: number
  seconds: number
  slotsMoved: number
  /** Interrupted (Ctrl-C) after the current batches: the plan is not finished. */
  stopped: boolean
}

const READY_TIMEOUT_MS = 30_000

/**
 * Runs move steps: each (source, target) pair moves its slots window by window, pairs run at the same
 * time as long as no node takes part in more than `perNodeLimit` of them. Every call is idempotent per
 * slot, so running the remaining steps of an interrupted plan finishes it.
 */
export async function runMoves(
  pool: NodePool,
  seed: string,
  jobs: readonly MoveJob[],
  options: EngineOptions,
): Promise<MoveSummary> {
  const started = performance.now()
  const snapshot = await readCluster(pool, seed)
  const endpoints = new Map<string, Endpoint>(
    snapshot.nodes.map(({address, self}) => [self.id, {address, host: self.host, id: self.id, port: self.port}]),
  )
  const masterIds = masters(snapshot).map((node) => node.self.id)
  const involved = [...new Set(jobs.flatMap(({step}) => [step.from, step.to]))]
  const missing = involved.filter((id) => !endpoints.has(id))
  if (missing.length > 0) {
    throw new OperationError(`nodes ${missing.map((id) => id.slice(0, 8)).join(', ')} of the plan cannot be reached`, {
      code: 'NODE_MISSING',
      suggestions: ['Bring them back, or make a new plan'],
    })
  }

  refuseUnreadablePayloads(jobs, new Map(snapshot.nodes.map((node) => [node.self.id, node])))

  // MIGRATE of big keys can take long: the engine's connections wait longer than the command's.
  const movers = new NodePool({...pool.settings, commandTimeoutMs: options.settings.timeoutMs * 20 + 60_000})
  const blocking = new Set(
    snapshot.nodes.filter((node) => capabilitiesOf(node.server).slotStateReplication).map((node) => node.address),
  )
  const lanes = new SetslotLanes(pool.settings, (address) => blocking.has(address))
  const stop = new AbortController()
  const abort = () => stop.abort()
  options.signal?.addEventListener('abort', abort)
  const totals = {keys: 0, slots: 0}
  let stopped = false
  try {
    await waitUntil(
      movers,
      involved.map((id) => endpoints.get(id)!.address),
      clusterStateOk,
      {timeoutMs: READY_TIMEOUT_MS},
    )
    const context: RunContext = {
      control: pool,
      endpoints,
      lanes,
      masterIds,
      movers,
      options,
      signal: stop.signal,
      totals,
    }
    await runLimited(jobs, options.settings.perNodeLimit, stop, (job) => runJob(context, job))
  } catch (error) {
    if (!(error instanceof MoveInterrupted)) throw error
    stopped = true
  } finally {
    options.signal?.removeEventListener('abort', abort)
    await Promise.all([movers.close(), lanes.close()])
  }

  const seconds = (performance.now() - started) / 1000
  const keysPerSecond = Math.round(totals.keys / seconds)
  return {keysMoved: totals.keys, keysPerSecond, seconds, slotsMoved: totals.slots, stopped}
}

/**
 * Refuses, before any key moves, a step whose target cannot RESTORE the source's DUMP payloads (a newer
 * server's to an older one): MIGRATE would fail on the first key, with the slot left open.
 */
function refuseUnreadablePayloads(jobs: readonly MoveJob[], byId: ReadonlyMap<string, NodeReading>): void {
  for (const {step} of jobs) {
    const source = byId.get(step.from)!
    const target = byId.get(step.to)!
    if (canRestore(source.server, target.server)) continue
    throw new OperationError(
      `${target.address} (${describeServer(target.server)}) cannot read the keys of ${source.address} (${describeServer(source.server)}): a newer server's DUMP payloads do not RESTORE on an older one`,
      {
        code: 'PAYLOAD_INCOMPATIBLE',
        suggestions: ['Upgrade the target first: keys move from older or same servers to same or newer ones'],
      },
    )
  }
}

type RunContext = {
  /** For reads while waiting for agreement, apart from the key moves, so that they never queue behind a MIGRATE. */
  readonly control: NodePool
  /** For slot state changes, apart from the key moves for the same reason. */
  readonly lanes: SetslotLanes
  readonly endpoints: ReadonlyMap<string, Endpoint>
  readonly masterIds: readonly string[]
  readonly movers: NodePool
  readonly options: EngineOptions
  readonly signal: AbortSignal
  readonly totals: {keys: number; slots: number}
}

async function runJob(context: RunContext, job: MoveJob): Promise<void> {
  const {endpoints, movers, options, signal, totals} = context
  const source = endpoints.get(job.step.from)!
  const target = endpoints.get(job.step.to)!
  const others = context.masterIds
    .filter((id) => id !== source.id && id !== target.id)
    .flatMap((id) => endpoints.get(id) ?? [])
  const pair: Pair = {
    auth: migrateAuthArgs(movers.settings),
    onKeys: (count) => {
      totals.keys += count
      options.events?.onKeys?.(count)
    },
    settings: options.settings,
    signal,
    source,
    sourceConnection: await movers.connect(source.address),
    target,
    targetConnection: await movers.connect(target.address),
  }
  const sizer = new BatchSizer(options.settings)
  const windows = windowsOf(job.step, options.settings.windowSlots)
  const settle = (work: Promise<void>) =>
    work.then(
      () => undefined,
      (error: Error) => error,
    )
  // Windows overlap: the next one opens while this one's keys move, and this one closes (SETSLOT NODE
  // everywhere, then agreement) while the next one's keys move. They still close, and are journalled, in order.
  let opening = settle(openSlots(context.lanes, pair, windows[0] ?? []))
  let closing: Promise<Error | undefined> = Promise.resolve(undefined)
  try {
    for (const [index, slots] of windows.entries()) {
      // eslint-disable-next-line no-await-in-loop
      await rethrow(opening)
      if (signal.aborted) throw new MoveInterrupted()
      opening = settle(openSlots(context.lanes, pair, windows[index + 1] ?? []))
      // eslint-disable-next-line no-await-in-loop
      const keys = await drainSlots(pair, sizer, slots)
      // eslint-disable-next-line no-await-in-loop
      await rethrow(closing)
      closing = settle(
        closeSlots(context.lanes, context.control, pair, others, slots).then(() => {
          totals.slots += slots.length
          options.events?.onWindowDone?.(job, slots, keys)
        }),
      )
    }
  } finally {
    await Promise.all([opening, closing])
  }

  await rethrow(closing)
}

async function rethrow(settled: Promise<Error | undefined>): Promise<void> {
  const error = await settled
  if (error) throw error
}

/**
 * Runs jobs at the same time while no node is in more than `limit` of them. The first failure stops the
 * others after their current batch; it is rethrown once all have stopped, so nothing is left running.
 */
async function runLimited(
  jobs: readonly MoveJob[],
  limit: number,
  stop: AbortController,
  run: (job: MoveJob) => Promise<void>,
): Promise<void> {
  const busy = new Map<string, number>()
  const nodesOf = (job: MoveJob) => [job.step.from, job.step.to]
  const fits = (job: MoveJob) => nodesOf(job).every((id) => (busy.get(id) ?? 0) < limit)
  const waiting = [...jobs]
  const running = new Set<Promise<void>>()
  const errors: unknown[] = []
  for (;;) {
    const next = stop.signal.aborted ? -1 : waiting.findIndex(fits)
    if (next !== -1) {
      const job = waiting.splice(next, 1)[0]!
      for (const id of nodesOf(job)) busy.set(id, (busy.get(id) ?? 0) + 1)
      const done: Promise<void> = run(job)
        .catch((error: unknown) => {
          errors.push(error)
          stop.abort()
        })
        .finally(() => {
          for (const id of nodesOf(job)) busy.set(id, busy.get(id)! - 1)
          running.delete(done)
        })
      running.add(done)
      continue
    }

    if (running.size === 0) break
    // eslint-disable-next-line no-await-in-loop
    await Promise.race(running)
  }

  const real = errors.find((error) => !(error instanceof MoveInterrupted))
  if (real !== undefined) throw real
  if (errors.length > 0 || waiting.length > 0) throw new MoveInterrupted()
}
