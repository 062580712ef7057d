import {OperationError} from '../cluster/errors.js'
import {FIX_STEP_ORDER, type FixStep, type SlotKeys} from '../cluster/fix-plan.js'
import {DEFAULT_MIGRATION, type MoveStep} from '../cluster/move-plan.js'
import {type ClusterSnapshot, masters} from '../cluster/snapshot.js'
import {slotsOf} from '../cluster/slots.js'
import type {NodePool} from '../redis/connection.js'
import {migrateAuthArgs} from '../redis/settings.js'
import {countKeysInSlots} from '../redis/slot-counts.js'
import {allOf, clusterStateOk, slotOwnersAgree, waitUntil} from './converge.js'
import {runMoves} from './engine/engine.js'
import {type Arg, pipelined} from './engine/pipeline.js'

/** A key that the owner already holds: left where it is (on `node`, an address), never overwritten, and reported. */
export type KeyConflict = {readonly key: string; readonly node: string; readonly slot: number}

export type FixOutcome = {readonly conflicts: readonly KeyConflict[]; readonly keysMoved: number}

const GATHER_BATCH = 500
const MIGRATE_TIMEOUT_MS = 10_000
const SETTLE_TIMEOUT_MS = 30_000

/** The keys each reachable master holds in each slot (countKeysInSlots), in one or two round trips per master. */
export async function countSlotKeys(
  pool: NodePool,
  snapshot: ClusterSnapshot,
  slots: readonly number[],
): Promise<SlotKeys> {
  const counts = new Map<number, Map<string, number>>(slots.map((slot) => [slot, new Map()]))
  await Promise.all(
    masters(snapshot).map(async (node) => {
      const held = await countKeysInSlots(pool, node.address, slots, node.server)
      for (const slot of slots) counts.get(slot)!.set(node.self.id, held.get(slot) ?? 0)
    }),
  )
  return counts
}

/** Runs a repair plan kind by kind (FIX_STEP_ORDER), then waits until the masters agree and the cluster is ok. */
export async function runFix(
  pool: NodePool,
  snapshot: ClusterSnapshot,
  steps: readonly FixStep[],
): Promise<FixOutcome> {
  const addressOf = new Map(snapshot.nodes.map((reading) => [reading.self.id, reading.address]))
  const at = (id: string) => {
    const address = addressOf.get(id)
    if (address) return address
    throw new OperationError(`node ${id.slice(0, 8)} of the repair cannot be reached`, {code: 'NODE_MISSING'})
  }

  const masterIds = masters(snapshot).map((m) => m.self.id)
  const conflicts: KeyConflict[] = []
  let keysMoved = 0
  for (const kind of FIX_STEP_ORDER) {
    const ofKind = steps.filter((step) => step.kind === kind)
    if (ofKind.length === 0) continue
    if (kind === 'move') {
      const jobs = (ofKind as MoveStep[]).map((step, index) => ({index, step}))
      // eslint-disable-next-line no-await-in-loop
      keysMoved += (await runMoves(pool, snapshot.seed, jobs, {settings: DEFAULT_MIGRATION})).keysMoved
      continue
    }

    for (const step of ofKind as Array<Exclude<FixStep, MoveStep>>) {
      // eslint-disable-next-line no-await-in-loop
      const moved = await runStep(pool, step, at, masterIds, conflicts)
      keysMoved += moved
    }
  }

  await waitUntil(pool, [...addressOf.values()], allOf(slotOwnersAgree({mastersOnly: true}), clusterStateOk), {
    timeoutMs: SETTLE_TIMEOUT_MS,
  })
  return {conflicts, keysMoved}
}

/** One step that is not a plain move; returns the keys it moved. */
async function runStep(
  pool: NodePool,
  step: Exclude<FixStep, MoveStep>,
  at: (id: string) => string,
  masterIds: readonly string[],
  conflicts: KeyConflict[],
): Promise<number> {
  const slots = [...slotsOf(step.slots)]
  switch (step.kind) {
    case 'stable': {
      await send(
        pool,
        at(step.node),
        slots.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'STABLE']),
      )
      return 0
    }

    case 'claim': {
      await send(
        pool,
        at(step.node),
        slots.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'NODE', step.node]),
      )
      await pool.call(at(step.node), 'CLUSTER', 'BUMPEPOCH')
      return 0
    }

    case 'release': {
      // DELSLOTS first: SETSLOT NODE alone is refused while the node still holds keys in a slot it owns.
      await send(
        pool,
        at(step.node),
        slots.map((slot) => ['CLUSTER', 'DELSLOTS', slot]),
        () => true,
      )
      await send(
        pool,
        at(step.node),
        slots.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'NODE', step.owner]),
      )
      return 0
    }

    case 'gather': {
      let moved = 0
      for (const slot of slots) {
        // eslint-disable-next-line no-await-in-loop
        moved += await gatherSlot(pool, at(step.from), at(step.to), slot, conflicts)
      }

      return moved
    }

    case 'announce': {
      const others = masterIds.filter((id) => id !== step.owner)
      await Promise.all(
        others.map((id) =>
          send(
            pool,
            at(id),
            slots.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'NODE', step.owner]),
          ),
        ),
      )
      return 0
    }
  }
}

/**
 * Moves a slot's keys from a node that does not own it to the owner, without REPLACE. The holder is told the
 * owner and set IMPORTING so that it serves the ASKING'd MIGRATE instead of redirecting it; keys the owner already has
 * stay on the holder (MIGRATE leaves a key whose RESTORE failed) and are reported. STABLE again at the end.
 */
async function gatherSlot(
  pool: NodePool,
  from: string,
  to: string,
  slot: number,
  conflicts: KeyConflict[],
): Promise<number> {
  const toId = String(await pool.call(to, 'CLUSTER', 'MYID'))
  // The holder must know the owner, or it answers CLUSTERDOWN before it looks at ASKING.
  await pool.call(from, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId)
  await pool.call(from, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', toId)
  const [host, port] = splitAddress(to)
  const connection = await pool.connect(from)
  const stuck = new Set<string>()
  let moved = 0
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    const listed = (await connection.call('CLUSTER', 'GETKEYSINSLOT', slot, GATHER_BATCH + stuck.size)) as string[]
    const keys = listed.filter((key) => !stuck.has(key))
    if (keys.length === 0) break
    const migrate: Arg[] = [
      'MIGRATE',
      host,
      port,
      '',
      0,
      MIGRATE_TIMEOUT_MS,
      ...migrateAuthArgs(pool.settings),
      'KEYS',
      ...keys,
    ]
    // eslint-disable-next-line no-await-in-loop
    const [, outcome] = await pipelined(connection, [['ASKING'], migrate])
    if (outcome?.error && !/BUSYKEY/.test(outcome.error.message)) {
      throw new OperationError(`MIGRATE of slot ${slot} keys from ${from} to ${to} failed: ${outcome.error.message}`, {
        code: 'MIGRATE_FAILED',
        suggestions: ['Nothing was overwritten; run slotctl fix again once the cause is dealt with'],
      })
    }

    // A key the owner refused (BUSYKEY) is still here; ASKING, or the holder would redirect the EXISTS.
    // eslint-disable-next-line no-await-in-loop
    const left = await pipelined(
      connection,
      keys.flatMap((key) => [['ASKING'], ['EXISTS', key]]),
    )
    for (const [i, key] of keys.entries()) {
      const exists = left[2 * i + 1]
      if (exists?.error) throw exists.error
      if (Number(exists?.reply) === 0) moved++
      else if (!stuck.has(key)) {
        stuck.add(key)
        conflicts.push({key, node: from, slot})
      }
    }
  }

  await pool.call(from, 'CLUSTER', 'SETSLOT', slot, 'STABLE')
  return moved
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':')
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))]
}

/** Sends commands to one node in a pipeline; an error reply fails the repair unless `tolerated`. */
async function send(
  pool: NodePool,
  address: string,
  commands: Arg[][],
  tolerated: (error: Error) => boolean = () => false,
): Promise<void> {
  const outcomes = await pipelined(await pool.connect(address), commands)
  const failed = outcomes.findIndex((outcome) => outcome.error && !tolerated(outcome.error))
  if (failed < 0) return
  throw new OperationError(`${commands[failed]!.join(' ')} on ${address}: ${outcomes[failed]!.error!.message}`, {
    code: 'FIX_STEP_FAILED',
    suggestions: ['No key was deleted or overwritten; look with slotctl check ADDR and run slotctl fix again'],
  })
}
