import {OperationError} from '../../cluster/errors.js'
import {formatRanges, slotsOf, toRanges} from '../../cluster/slots.js'
import type {NodePool} from '../../redis/connection.js'
import {type Condition, waitUntil} from '../converge.js'
import {killPoint} from './kill-point.js'
import {type Endpoint, type Pair, shortName} from './pair.js'
import type {Arg} from './pipeline.js'
import type {SetslotLanes} from './setslot-lanes.js'

/**
 * Answers to SETSLOT NODE on the source or another master that the engine accepts, as valkey-cli does: a
 * source that lost its last slot may already have turned into a replica (replica migration), and a master
 * whose replicas never acknowledged (Valkey) learns the owner from the target's gossip; the wait for
 * agreement that follows checks that every master did.
 */
const ANNOUNCED_ANYWAY = /only with (masters|primaries)|^NOREPLICAS|^UNBLOCKED/i
const AGREEMENT_TIMEOUT_MS = 30_000

/**
 * Opens the slots: IMPORTING on the target first (so the source never sends clients to a target that would
 * refuse them), then MIGRATING on the source. Idempotent, so that a resumed run can call it on any slot: a
 * slot the target already owns was moved before a crash and only needs closing. Goes through its own lanes,
 * not the pair's connections, so that it does not wait behind MIGRATEs.
 */
export async function openSlots(lanes: SetslotLanes, pair: Pair, slots: readonly number[]): Promise<void> {
  if (slots.length === 0) return
  const importing = await setSlots(lanes, pair.target, slots, ['IMPORTING', pair.source.id])
  const alreadyMoved = new Set(slots.filter((_, i) => /already the owner/i.test(importing[i]?.message ?? '')))
  failOn(pair.target, slots, importing, (error) => !/already the owner/i.test(error.message))
  killPoint('importing')
  const toOpen = slots.filter((slot) => !alreadyMoved.has(slot))
  const migrating = await setSlots(lanes, pair.source, toOpen, ['MIGRATING', pair.target.id])
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
 * died), then on the source and every other master at once, then waits until all masters agree (`pool`
 * reads them).
 */
export async function closeSlots(
  lanes: SetslotLanes,
  pool: NodePool,
  pair: Pair,
  others: readonly Endpoint[],
  slots: readonly number[],
) {
  killPoint('node')
  failOn(pair.target, slots, await claimOnTarget(lanes, pair.target, slots), () => true)
  killPoint('node-target')
  const told = await Promise.all(
    [pair.source, ...others].map(async (node) => ({
      node,
      outcomes: await setSlots(lanes, node, slots, ['NODE', pair.target.id]),
    })),
  )
  for (const {node, outcomes} of told) failOn(node, slots, outcomes, (error) => !ANNOUNCED_ANYWAY.test(error.message))
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
 * SETSLOT NODE on the target for the whole window. Where the target applies each SETSLOT as it reads it
 * (Redis), in three rounds. The first slot takes the importing path, so the target bumps its config epoch
 * when it must, before it claims the others: claimed while its epoch is still below the source's, a slot is
 * taken back by the source's next gossip, and a new master that loses every slot that way turns into the
 * source's replica. The middle slots have their IMPORTING state cleared just before, in one MULTI: otherwise
 * each SETSLOT NODE broadcasts a PONG to every node, and each receiver rescans all 16384 slots; the MULTI keeps
 * other clients out from between the two, when the slot is neither importing nor owned and the target would
 * send an ASKed client back to the source. The last slot takes the importing path again, so that the
 * target's broadcast carries the whole window to every node, replicas included, rather than leaving it to
 * gossip.
 *
 * Where the target first waits for its replicas to acknowledge each SETSLOT (Valkey 8), every slot takes the
 * importing path: no MULTI there, and a STABLE would leave the slot in that state for a replication round
 * trip, long enough for clients to bounce between source and target until they give up ("Too many Cluster
 * redirections").
 */
async function claimOnTarget(lanes: SetslotLanes, target: Endpoint, slots: readonly number[]) {
  const claim = (slot: number): Arg[] => ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id]
  const claims = (ofRound: readonly number[]) => ofRound.map((slot) => [claim(slot)])
  if (lanes.replicatesFirst(target.address)) return lanes.send(target.address, claims(slots))
  const middle = slots.slice(1, -1).map((slot) => [['CLUSTER', 'SETSLOT', slot, 'STABLE'], claim(slot)])
  const rounds = [
    () => lanes.send(target.address, claims(slots.slice(0, 1))),
    () => lanes.atomically(target.address, middle),
    () => lanes.send(target.address, claims(slots.slice(1).slice(-1))),
  ]
  const errors: Array<Error | undefined> = []
  for (const round of rounds) {
    // eslint-disable-next-line no-await-in-loop
    const outcomes = await round()
    errors.push(...outcomes)
    if (outcomes.some(Boolean)) return [...errors, ...slots.slice(errors.length).map(() => undefined)]
  }

  return errors
}

function setSlots(lanes: SetslotLanes, node: Endpoint, slots: readonly number[], action: readonly Arg[]) {
  return lanes.send(
    node.address,
    slots.map((slot) => [['CLUSTER', 'SETSLOT', slot, ...action]]),
  )
}

function failOn(
  node: Endpoint,
  slots: readonly number[],
  errors: Array<Error | undefined>,
  fatal: (error: Error) => boolean,
) {
  const index = errors.findIndex((error) => error !== undefined && fatal(error))
  if (index === -1) return
  const message = errors[index]!.message
  throw new OperationError(`CLUSTER SETSLOT ${slots[index]} on ${shortName(node)} failed: ${message}`, {
    code: 'SETSLOT_FAILED',
    suggestions: [
      ...(/^NOREPLICAS/.test(message)
        ? [`The replicas of ${node.address} did not acknowledge the change: look at their links (INFO replication)`]
        : []),
      'Look at the cluster with slotctl check ADDR, then resume the run',
    ],
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
