import type {Redis} from 'ioredis'

import {OperationError} from '../../cluster/errors.js'
import {formatRanges, slotsOf, toRanges} from '../../cluster/slots.js'
import type {NodePool} from '../../redis/connection.js'
import {type Condition, waitUntil} from '../converge.js'
import {killPoint} from './kill-point.js'
import {type Endpoint, type Pair, shortName} from './pair.js'
import {type Arg, pipelined} from './pipeline.js'

/** A source that lost its last slot may already have turned into a replica (replica migration). */
const NOW_A_REPLICA = /only with masters/i
const AGREEMENT_TIMEOUT_MS = 30_000

/**
 * Opens the slots: IMPORTING on the target first (so the source never sends clients to a target that would
 * refuse them), then MIGRATING on the source, each as one pipeline. Idempotent, so that a resumed run can
 * call it on any slot: a slot the target already owns was moved before a crash and only needs closing.
 * Goes through `pool`, not the pair's connections, so that it does not wait behind MIGRATEs.
 */
export async function openSlots(pool: NodePool, pair: Pair, slots: readonly number[]): Promise<void> {
  if (slots.length === 0) return
  const importing = await setSlots(await pool.connect(pair.target.address), slots, () => ['IMPORTING', pair.source.id])
  const alreadyMoved = new Set(slots.filter((_, i) => /already the owner/i.test(importing[i]?.message ?? '')))
  failOn(pair.target, slots, importing, (error) => !/already the owner/i.test(error.message))
  killPoint('importing')
  const toOpen = slots.filter((slot) => !alreadyMoved.has(slot))
  const migrating = await setSlots(await pool.connect(pair.source.address), toOpen, () => ['MIGRATING', pair.target.id])
  const strayed = toOpen.filter((_, i) => /not the owner/i.test(migrating[i]?.message ?? ''))
  if (strayed.length > 0) {
    throw new OperationError(
      `slots ${formatRanges(toRanges(strayed))} belong to neither ${shortName(pair.source)} nor ${shortName(pair.target)} any more`,
      {
        code: 'SLOT_OWNER_CHANGED',
        suggestions: ['Someone else moved them: look with slotctl check ADDR, then plan again'],
      },
    )
  }

  failOn(pair.source, toOpen, migrating, () => true)
  killPoint('migrating')
}

/**
 * Closes the slots, all keys moved: SETSLOT NODE on the target first (it bumps its epoch and so makes the
 * change win everywhere; told first, another node could leave the slot ownerless if the target then
 * died), then on the source and every other master at once, then waits until all masters agree. Goes
 * through `pool`, not the pair's connections, so that it does not wait behind the next window's MIGRATEs.
 */
export async function closeSlots(pool: NodePool, pair: Pair, others: readonly Endpoint[], slots: readonly number[]) {
  killPoint('node')
  const assign = () => ['NODE', pair.target.id] as Arg[]
  failOn(
    pair.target,
    slots,
    await claimOnTarget(await pool.connect(pair.target.address), pair.target, slots),
    () => true,
  )
  killPoint('node-target')
  await Promise.all(
    [pair.source, ...others].map(async (node) => {
      const outcomes = await setSlots(await pool.connect(node.address), slots, assign)
      failOn(node, slots, outcomes, (error) => !NOW_A_REPLICA.test(error.message))
    }),
  )
  await waitUntil(
    pool,
    [pair.source, pair.target, ...others].map((node) => node.address),
    ownedBy(pair.target, slots),
    {
      intervalMs: 20,
      timeoutMs: AGREEMENT_TIMEOUT_MS,
    },
  )
}

/**
 * SETSLOT NODE on the target for the whole window, atomically (MULTI). Every slot but the last has its
 * IMPORTING state cleared first: otherwise each SETSLOT NODE broadcasts a PONG to every node, and each
 * receiver rescans all 16384 slots (a window of 128 slots costs 128 of them per node). The last slot takes
 * the importing path, so the target still bumps its config epoch when it must and tells everyone once.
 */
async function claimOnTarget(connection: Redis, target: Endpoint, slots: readonly number[]) {
  const transaction = connection.multi()
  const commandsPerSlot = slots.map((slot, i) => {
    const last = i === slots.length - 1
    if (!last) transaction.call('CLUSTER', 'SETSLOT', slot, 'STABLE')
    transaction.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id)
    return last ? 1 : 2
  })
  const errors = ((await transaction.exec()) ?? []).map(([error]) => error ?? undefined)
  let next = 0
  return commandsPerSlot.map((count) => {
    const own = errors.slice(next, next + count)
    next += count
    return own.find((error) => error !== undefined)
  })
}

async function setSlots(connection: Redis, slots: readonly number[], action: (slot: number) => Arg[]) {
  const outcomes = await pipelined(
    connection,
    slots.map((slot) => ['CLUSTER', 'SETSLOT', slot, ...action(slot)]),
  )
  return outcomes.map((outcome) => outcome.error)
}

function failOn(
  node: Endpoint,
  slots: readonly number[],
  errors: Array<Error | undefined>,
  fatal: (error: Error) => boolean,
) {
  const index = errors.findIndex((error) => error !== undefined && fatal(error))
  if (index === -1) return
  throw new OperationError(`CLUSTER SETSLOT ${slots[index]} on ${shortName(node)} failed: ${errors[index]!.message}`, {
    code: 'SETSLOT_FAILED',
    suggestions: ['Look at the cluster with slotctl check ADDR, then resume the run'],
  })
}

/** Every master (nodes that turned into replicas are left out) maps the slots to `target`. */
function ownedBy(target: Endpoint, slots: readonly number[]): Condition {
  return {
    laggards: (readings) =>
      readings
        .filter((reading) => reading.self.role === 'master')
        .flatMap((reading) => {
          const owned = new Set(slotsOf(reading.view.find((line) => line.id === target.id)?.slots ?? []))
          const behind = slots.filter((slot) => !owned.has(slot))
          return behind.length > 0
            ? [`${reading.address} does not see ${formatRanges(toRanges(behind))} on the target yet`]
            : []
        }),
    what: `the masters agree that ${shortName(target)} owns the slots moved`,
  }
}
