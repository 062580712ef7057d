import {OperationError} from '../../cluster/errors.js'
import type {MigrationSettings} from '../../cluster/move-plan.js'
import {killPoint} from './kill-point.js'
import {type Pair, shortName, throwIfAborted} from './pair.js'
import {type Outcome, pipelined} from './pipeline.js'

/** How long one MIGRATE may block its two nodes: short for clients, long enough to amortise round trips. */
const TARGET_BATCH_MS = 100
/** Batches start this small and grow once the first ones show how big the keys are. */
const FIRST_BATCH_KEYS = 100
/** MIGRATEs under way on one pair at once: enough that the source never waits for us. */
const MAX_IN_FLIGHT = 64
/** After a timeout the MIGRATE timeout doubles, up to this many times the configured one. */
const MAX_TIMEOUT_FACTOR = 16
/** CLUSTERDOWN, LOADING or TRYAGAIN for longer than this is not transient. */
const TRANSIENT_GIVE_UP_MS = 60_000
/** DUMP payloads end with a 2-byte RDB version and an 8-byte CRC64, which may differ between servers. */
const DUMP_FOOTER_BYTES = 10

type Batch = {readonly keys: readonly Buffer[]; readonly slot: number}
type Failure = {readonly batch: Batch; readonly error: Error}

/**
 * Keys per MIGRATE, learnt from how long batches take (we cannot afford to measure key sizes): it grows
 * while batches are quick, and shrinks when they are slow, but not below the first size: on a busy machine a
 * small batch is slow too, and more MIGRATEs would only make it slower. Only a timeout, which says the keys
 * are big, takes it lower, and doubles the MIGRATE timeout.
 */
export class BatchSizer {
  keys: number
  timeoutMs: number
  private floor: number

  constructor(private readonly settings: MigrationSettings) {
    this.keys = Math.min(FIRST_BATCH_KEYS, settings.batchKeys)
    this.floor = this.keys
    this.timeoutMs = settings.timeoutMs
  }

  /** A MIGRATE of `keys` keys kept the source busy for `ms`. */
  observe(keys: number, ms: number): void {
    const fitting = Math.floor((TARGET_BATCH_MS * keys) / Math.max(ms, 0.1))
    this.keys = Math.max(this.floor, Math.min(fitting, this.keys * 4, this.settings.batchKeys))
  }

  timedOut(): void {
    this.keys = Math.max(1, Math.floor(this.keys / 4))
    this.floor = Math.min(this.floor, this.keys)
    this.timeoutMs = Math.min(this.timeoutMs * 2, this.settings.timeoutMs * MAX_TIMEOUT_FACTOR)
  }
}

/** Moves every key of the slots (already open on both sides) from source to target; returns how many. */
export async function drainSlots(pair: Pair, sizer: BatchSizer, slots: readonly number[]): Promise<number> {
  const backoff = new Backoff()
  let pending = [...slots]
  let moved = 0
  while (pending.length > 0) {
    throwIfAborted(pair.signal)
    // eslint-disable-next-line no-await-in-loop
    const batches = await keysIn(pair, pending, sizer.keys)
    // eslint-disable-next-line no-await-in-loop
    const round = await migrateAll(pair, sizer, batches)
    moved += round.moved
    // eslint-disable-next-line no-await-in-loop
    await recover(pair, sizer, round.failures, backoff)
    pending = batches.map((batch) => batch.slot)
  }

  return moved
}

/** Up to `count` keys of each slot, as the source holds them; slots with none are left out. */
async function keysIn(pair: Pair, slots: readonly number[], count: number): Promise<Batch[]> {
  const outcomes = await pipelined(
    pair.sourceConnection,
    slots.map((slot) => ['CLUSTER', 'GETKEYSINSLOT', slot, count]),
    true,
  )
  return slots.flatMap((slot, i) => {
    const {error, reply} = outcomes[i] ?? {}
    if (error) throw nodeError(pair, `CLUSTER GETKEYSINSLOT ${slot} on ${shortName(pair.source)}`, error)
    const keys = reply as Buffer[]
    return keys.length > 0 ? [{keys, slot}] : []
  })
}

/**
 * One MIGRATE per batch, many under way at once on the source's connection (the source runs them one after
 * another; we only save the round trips). Stops launching when the run is aborted, after those under way.
 */
async function migrateAll(pair: Pair, sizer: BatchSizer, batches: readonly Batch[]) {
  const failures: Failure[] = []
  const running = new Set<Promise<void>>()
  let moved = 0
  let keysInFlight = 0
  let lastReply = 0
  for (const batch of batches) {
    if (pair.signal.aborted) break
    while (running.size >= MAX_IN_FLIGHT || (running.size > 0 && keysInFlight + batch.keys.length > 2 * sizer.keys)) {
      // eslint-disable-next-line no-await-in-loop
      await Promise.race(running)
    }

    const sentAt = performance.now()
    const done: Promise<void> = migrate(pair, batch.keys, sizer.timeoutMs, false)
      .then((reply) => {
        const now = performance.now()
        // Replies come in order, so a batch's own time starts when the one before it finished.
        sizer.observe(batch.keys.length, now - Math.max(sentAt, lastReply))
        lastReply = now
        if (reply === 'OK') {
          moved += batch.keys.length
          pair.onKeys(batch.keys.length)
        }
      })
      .catch((error: Error) => {
        failures.push({batch, error})
      })
      .finally(() => {
        keysInFlight -= batch.keys.length
        running.delete(done)
      })
    keysInFlight += batch.keys.length
    running.add(done)
    killPoint('batch', 1)
  }

  await Promise.all(running)
  throwIfAborted(pair.signal)
  return {failures, moved}
}

function migrate(pair: Pair, keys: readonly Buffer[], timeoutMs: number, replace: boolean): Promise<unknown> {
  const {host, port} = pair.target
  const options = [...(replace ? ['REPLACE'] : []), ...pair.auth]
  return pair.sourceConnection.call('MIGRATE', host, port, '', 0, timeoutMs, ...options, 'KEYS', ...keys)
}

type ErrorKind = 'busy' | 'fatal' | 'timeout' | 'transient'

/** MIGRATE errors, including the target's wrapped in "Target instance replied with error". */
export function classifyMigrateError(error: Error): ErrorKind {
  const text = error.message
  if (/BUSYKEY/.test(text)) return 'busy'
  if (/CLUSTERDOWN|LOADING|TRYAGAIN|MASTERDOWN/.test(text)) return 'transient'
  if (/IOERR|timed? ?out/i.test(text)) return 'timeout'
  return 'fatal'
}

async function recover(pair: Pair, sizer: BatchSizer, failures: readonly Failure[], backoff: Backoff): Promise<void> {
  const kinds = new Set(failures.map((failure) => classifyMigrateError(failure.error)))
  const fatal = failures.find((failure) => classifyMigrateError(failure.error) === 'fatal')
  if (fatal) throw nodeError(pair, `MIGRATE of slot ${fatal.batch.slot}`, fatal.error)
  for (const failure of failures) {
    // eslint-disable-next-line no-await-in-loop
    if (classifyMigrateError(failure.error) === 'busy') await resolveBusyKeys(pair, sizer, failure.batch)
  }

  // A timed-out MIGRATE may have copied keys without deleting them: the next round then meets BUSYKEY.
  if (kinds.has('timeout')) sizer.timedOut()
  const transient = failures.find((failure) => classifyMigrateError(failure.error) === 'transient')
  if (transient) await backoff.wait(pair, transient)
}

/**
 * BUSYKEY: some keys are already on the target. Never overwrite silently: replace only the keys whose two
 * copies are byte-identical (what a timed-out MIGRATE leaves behind), or any with --replace; otherwise stop
 * with the keys named, the slot left open.
 */
async function resolveBusyKeys(pair: Pair, sizer: BatchSizer, batch: Batch): Promise<void> {
  const [sourceDumps, targetDumps] = await Promise.all([
    pipelined(
      pair.sourceConnection,
      batch.keys.map((key) => ['DUMP', key]),
      true,
    ),
    // The slot is importing on the target: only an ASKING client may read it there.
    pipelined(
      pair.targetConnection,
      batch.keys.flatMap((key) => [['ASKING'], ['DUMP', key]]),
      true,
    ).then((all) => all.filter((_, i) => i % 2 === 1)),
  ])
  const onBoth = batch.keys.flatMap((key, i) => {
    const source = payloadOf(sourceDumps[i])
    const target = payloadOf(targetDumps[i])
    return source && target ? [{key, same: samePayload(source, target)}] : []
  })
  const differing = onBoth.filter((entry) => !entry.same).map((entry) => entry.key)
  if (differing.length > 0 && !pair.settings.replace) throw busyKeyError(pair, batch.slot, differing)
  if (onBoth.length === 0) return
  const keys = onBoth.map((entry) => entry.key)
  try {
    if ((await migrate(pair, keys, sizer.timeoutMs, true)) === 'OK') pair.onKeys(keys.length)
  } catch (error) {
    if (classifyMigrateError(error as Error) === 'fatal')
      throw nodeError(pair, `MIGRATE REPLACE of slot ${batch.slot}`, error)
  }
}

const payloadOf = (outcome: Outcome | undefined): Buffer | undefined =>
  outcome && !outcome.error && Buffer.isBuffer(outcome.reply) ? outcome.reply : undefined

function samePayload(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.subarray(0, -DUMP_FOOTER_BYTES).equals(b.subarray(0, -DUMP_FOOTER_BYTES))
}

function busyKeyError(pair: Pair, slot: number, keys: readonly Buffer[]): OperationError {
  const shown = keys.slice(0, 10).map((key) => JSON.stringify(key.toString('utf8')))
  const more = keys.length > 10 ? ` and ${keys.length - 10} more` : ''
  return new OperationError(
    `slot ${slot}: ${keys.length} key(s) exist on both ${shortName(pair.source)} and ${shortName(pair.target)} with different values: ${shown.join(', ')}${more}. Nothing was overwritten; the slot is left open (migrating).`,
    {
      code: 'BUSYKEY',
      suggestions: [
        'Compare the two copies, delete the one that is wrong, then resume the run',
        'Or overwrite the target copies: make the plan again with --replace',
      ],
    },
  )
}

function nodeError(pair: Pair, what: string, error: unknown): OperationError {
  const text = error instanceof Error ? error.message : String(error)
  return new OperationError(`${what} from ${shortName(pair.source)} to ${shortName(pair.target)} failed: ${text}`, {
    code: 'MIGRATE_FAILED',
    suggestions: ['Look at both nodes (slotctl check ADDR), then resume the run'],
  })
}

/** Waits that double (50 ms to 2 s) while the cluster says CLUSTERDOWN, LOADING or TRYAGAIN; then gives up. */
class Backoff {
  private delayMs = 50
  private readonly started = Date.now()

  async wait(pair: Pair, failure: Failure): Promise<void> {
    if (Date.now() - this.started > TRANSIENT_GIVE_UP_MS)
      throw nodeError(pair, `MIGRATE of slot ${failure.batch.slot}`, failure.error)
    await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    this.delayMs = Math.min(this.delayMs * 2, 2000)
  }
}
