import {SLOT_COUNT} from './keyslot.js'
import type {MoveStep} from './move-plan.js'
import {classifyMarkers, type SlotMarker} from './slot-markers.js'
import {type ClusterSnapshot, masters, type NodeReading, seedView} from './snapshot.js'
import {type SlotRange, slotsOf, toRanges} from './slots.js'

/** Keys each reachable master holds in a slot (COUNTKEYSINSLOT): slot -> node id -> keys. */
export type SlotKeys = ReadonlyMap<number, ReadonlyMap<string, number>>

/**
 * One repair action. The executor runs all steps of a kind before the next kind, in the order of
 * FIX_STEP_ORDER, so that for every slot: open states close, the owner claims the slot
 * with a new epoch, other claimants let go, a started move finishes (once the cluster is covered again), stray
 * keys join the owner, and every master hears who owns it.
 */
export type FixStep =
  | MoveStep
  /** CLUSTER SETSLOT STABLE on the node. */
  | {readonly kind: 'stable'; readonly node: string; readonly slots: readonly SlotRange[]}
  /** CLUSTER SETSLOT NODE itself on the node, then CLUSTER BUMPEPOCH so that its claim wins. */
  | {readonly kind: 'claim'; readonly node: string; readonly slots: readonly SlotRange[]}
  /** CLUSTER DELSLOTS then SETSLOT NODE owner on a master that claims slots it must give up. */
  | {readonly kind: 'release'; readonly node: string; readonly owner: string; readonly slots: readonly SlotRange[]}
  /** Keys only, never overwriting: a key the owner already has stays where it is and is reported. */
  | {readonly from: string; readonly kind: 'gather'; readonly slots: readonly SlotRange[]; readonly to: string}
  /** CLUSTER SETSLOT NODE owner on every other reachable master. */
  | {readonly kind: 'announce'; readonly owner: string; readonly slots: readonly SlotRange[]}

export const FIX_STEP_ORDER = ['stable', 'claim', 'release', 'move', 'gather', 'announce'] as const

/** What one node says about a slot: the evidence behind a diagnosis. */
export type Evidence = {
  readonly address: string
  readonly configEpoch: number
  readonly id: string
  readonly keys: number
  /** Who it says owns the slot ('' for nobody). */
  readonly saysOwner: string
  /** `owner`, `migrating to ID`, `importing from ID`, or `-`. */
  readonly state: string
}

export type Diagnosis = {
  readonly action: string
  readonly evidence: readonly Evidence[]
  /** The master that owns the slots once repaired. */
  readonly owner?: string
  readonly problem: string
  /** Repairing it loses the keys of a master that is gone: only with --accept-data-loss. */
  readonly losesData: boolean
  readonly slots: readonly SlotRange[]
}

export type FixPlan = {readonly diagnoses: readonly Diagnosis[]; readonly steps: readonly FixStep[]}

type SlotRepair = {action: string; losesData?: boolean; owner: string; problem: string; steps: FixStep[]}

/** Slots that need a repair: open, uncovered, claimed by several masters, with stray keys, or disputed. */
export function slotsToRepair(snapshot: ClusterSnapshot): number[] {
  const slots = new Set<number>()
  const {own, stale} = classifyMarkers(snapshot.nodes)
  for (const {slot} of [...own, ...stale]) slots.add(slot)

  for (const stray of snapshot.strayKeys ?? []) slots.add(stray.slot)
  const claims = new Uint8Array(SLOT_COUNT)
  for (const reading of masters(snapshot)) for (const slot of slotsOf(reading.self.slots)) claims[slot]!++
  const views = snapshot.nodes.map((reading) => ownerMap(reading))
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (claims[slot] !== 1) slots.add(slot)
    else if (views.some((view) => view[slot] !== views[0]![slot])) slots.add(slot)
  }

  return [...slots].sort((a, b) => a - b)
}

/**
 * The diagnosis and repair of every slot in `slots`, given the keys each master holds there. Pure and
 * deterministic. It never plans a deletion: keys only move to the owner, and only where the owner lacks them.
 */
export function planFix(snapshot: ClusterSnapshot, slots: readonly number[], keys: SlotKeys): FixPlan {
  const context = contextOf(snapshot)
  const repairs = slots.map((slot) => ({repair: repairSlot(context, slot, keys.get(slot) ?? new Map()), slot}))
  const diagnoses = groupDiagnoses(
    repairs.map(({repair, slot}) => ({
      action: repair.action,
      evidence: evidenceOf(context, slot, keys.get(slot) ?? new Map()),
      losesData: repair.losesData === true,
      owner: repair.owner,
      problem: repair.problem,
      slots: [{end: slot, start: slot}],
    })),
  )
  return {diagnoses, steps: mergeSteps(repairs.flatMap(({repair}) => repair.steps))}
}

type Context = {
  readonly masters: readonly NodeReading[]
  readonly readings: readonly NodeReading[]
  /** Who the seed says owns each slot, even a node that cannot be read. */
  readonly seedOwners: readonly string[]
  readonly slotCounts: ReadonlyMap<string, number>
  /** Replicas' open-slot markers their master does not have, by slot. */
  readonly stale: ReadonlyMap<number, readonly SlotMarker[]>
  readonly views: ReadonlyMap<string, readonly string[]>
}

function contextOf(snapshot: ClusterSnapshot): Context {
  const mastersNow = masters(snapshot)
  const seedOwners = Array.from({length: SLOT_COUNT}, () => '')
  for (const line of seedView(snapshot))
    if (line.role === 'master') for (const slot of slotsOf(line.slots)) seedOwners[slot] = line.id
  return {
    masters: mastersNow,
    readings: snapshot.nodes,
    seedOwners,
    slotCounts: new Map(mastersNow.map((m) => [m.self.id, [...slotsOf(m.self.slots)].length])),
    stale: bySlot(classifyMarkers(snapshot.nodes).stale),
    views: new Map(snapshot.nodes.map((reading) => [reading.self.id, ownerMap(reading)])),
  }
}

function bySlot(markers: readonly SlotMarker[]): Map<number, SlotMarker[]> {
  const grouped = new Map<number, SlotMarker[]>()
  for (const marker of markers) grouped.set(marker.slot, [...(grouped.get(marker.slot) ?? []), marker])
  return grouped
}

function ownerMap(reading: NodeReading): string[] {
  const owners = Array.from({length: SLOT_COUNT}, () => '')
  for (const line of reading.view)
    if (line.role === 'master') for (const slot of slotsOf(line.slots)) owners[slot] = line.id
  return owners
}

const owns = (reading: NodeReading, slot: number) => reading.self.slots.some((r) => r.start <= slot && slot <= r.end)
const migratingTo = (reading: NodeReading, slot: number) => reading.self.migrating.find((t) => t.slot === slot)?.peerId
const importingFrom = (reading: NodeReading, slot: number) =>
  reading.self.importing.find((t) => t.slot === slot)?.peerId

const mostKeys = (candidates: readonly NodeReading[], keys: ReadonlyMap<string, number>) =>
  [...candidates].sort(
    (a, b) => (keys.get(b.self.id) ?? 0) - (keys.get(a.self.id) ?? 0) || compareIds(a.self.id, b.self.id),
  )[0]

function repairSlot(context: Context, slot: number, keys: ReadonlyMap<string, number>): SlotRepair {
  const claimants = context.masters.filter((m) => owns(m, slot))
  const holders = context.masters.filter((m) => (keys.get(m.self.id) ?? 0) > 0)
  // Replicas' markers are their master's copies (Valkey 8) or stale ones, cleared through their master.
  const open = context.masters.filter((m) => migratingTo(m, slot) || importingFrom(m, slot))
  const clearStale = staleSteps(context, slot, open)
  const [only] = claimants
  const target = only && claimants.length === 1 ? finishingTarget(context, only, slot) : undefined
  if (only && target) return withStale(finishMove(slot, only, target, open, holders), clearStale)
  if (claimants.length === 0) return withStale(cover(context, slot, keys, holders, open), clearStale)
  const owner = claimants.length === 1 ? only! : mostKeys(claimants, keys)!
  const problem =
    claimants.length > 1
      ? `${claimants.length} masters claim it: ${claimants.map((m) => m.address).join(', ')}`
      : open.length > 0
        ? describeOpen(open, slot)
        : holders.some((h) => h !== owner)
          ? `keys held by masters that do not own it: ${holders
              .filter((h) => h !== owner)
              .map((h) => h.address)
              .join(', ')}`
          : clearStale.problem || 'nodes disagree about its owner'
  const disputed = claimants.length > 1 || [...context.views.values()].some((view) => view[slot] !== owner.self.id)
  return {
    action: `${owner.address} keeps it${disputed ? ' with a new config epoch' : ''}${gatherText(holders, owner)}`,
    owner: owner.self.id,
    problem,
    steps: [
      ...open.map((r) => stableStep(r, slot)),
      ...clearStale.steps,
      ...(disputed ? [claimStep(owner, slot)] : []),
      ...claimants.filter((c) => c !== owner).map((c) => releaseStep(c, owner, slot)),
      ...gatherSteps(holders, owner, slot),
      announceStep(owner, slot),
    ],
  }
}

type StaleRepair = {readonly problem: string; readonly steps: readonly FixStep[]}

/**
 * SETSLOT STABLE on the master of each replica with a stale marker on `slot` (the master replicates it), unless
 * that master is open there and so closed anyway; a replica whose master was not read cannot be cleared.
 */
function staleSteps(context: Context, slot: number, open: readonly NodeReading[]): StaleRepair {
  const stale = context.stale.get(slot) ?? []
  if (stale.length === 0) return {problem: '', steps: []}
  const closing = new Set(open.map((m) => m.self.id))
  const readMasters = new Set(context.masters.map((m) => m.self.id))
  const masterIds = [...new Set(stale.map((marker) => marker.node.self.masterId ?? ''))].filter(
    (id) => readMasters.has(id) && !closing.has(id),
  )
  const states = stale.map(
    ({direction, node, peerId}) =>
      `${direction} ${direction === 'migrating' ? 'to' : 'from'} ${peerId.slice(0, 8)} on replica ${node.address}`,
  )
  return {
    problem: `stale open-slot state its master does not have: ${states.join(', ')}`,
    steps: masterIds.map((id) => ({kind: 'stable', node: id, slots: one(slot)})),
  }
}

const withStale = (repair: SlotRepair, stale: StaleRepair): SlotRepair =>
  stale.steps.length === 0 ? repair : {...repair, steps: [...stale.steps, ...repair.steps]}

/** The migration a slot's owner started towards a node that is importing it from the owner. */
function finishingTarget(context: Context, owner: NodeReading, slot: number): NodeReading | undefined {
  const to = migratingTo(owner, slot)
  const target = context.masters.find((m) => m.self.id === to)
  return target && importingFrom(target, slot) === owner.self.id ? target : undefined
}

function finishMove(
  slot: number,
  source: NodeReading,
  target: NodeReading,
  open: readonly NodeReading[],
  holders: readonly NodeReading[],
): SlotRepair {
  const others = holders.filter((h) => h !== source && h !== target)
  return {
    action: `finish the move to ${target.address}${gatherText(others, target)}`,
    owner: target.self.id,
    problem: describeOpen(open, slot),
    steps: [
      {from: source.self.id, kind: 'move', slots: [{end: slot, start: slot}], to: target.self.id},
      ...open.filter((r) => r !== source && r !== target).map((r) => stableStep(r, slot)),
      ...gatherSteps(others, target, slot),
    ],
  }
}

/** An uncovered slot: the master with most keys takes it, or the master with fewest slots when none has keys. */
function cover(
  context: Context,
  slot: number,
  keys: ReadonlyMap<string, number>,
  holders: readonly NodeReading[],
  open: readonly NodeReading[],
): SlotRepair {
  const named = context.seedOwners[slot]
  // The seed may name an owner that is alive and has since let the slot go: only an unread one is gone.
  const gone = named && !context.readings.some((r) => r.self.id === named) ? named : undefined
  const owner =
    holders.length > 0
      ? mostKeys(holders, keys)!
      : [...context.masters].sort(
          (a, b) =>
            (context.slotCounts.get(a.self.id) ?? 0) - (context.slotCounts.get(b.self.id) ?? 0) ||
            compareIds(a.self.id, b.self.id),
        )[0]!
  const why =
    holders.length > 0
      ? `${holders.length === 1 ? 'the only master' : 'the master with most keys'} there`
      : 'no keys anywhere; the master with fewest slots'
  return {
    action: `${owner.address} takes it (${why})${gatherText(holders, owner)}`,
    losesData: Boolean(gone),
    owner: owner.self.id,
    problem: gone
      ? `not covered: its master ${gone.slice(0, 8)} is gone with its replicas, and its keys with it`
      : 'not covered: no master claims it',
    steps: [
      ...open.map((r) => stableStep(r, slot)),
      claimStep(owner, slot),
      ...gatherSteps(holders, owner, slot),
      announceStep(owner, slot),
    ],
  }
}

function describeOpen(open: readonly NodeReading[], slot: number): string {
  const states = open.map((r) => {
    const to = migratingTo(r, slot)
    return to
      ? `migrating on ${r.address} to ${to.slice(0, 8)}`
      : `importing on ${r.address} from ${importingFrom(r, slot)!.slice(0, 8)}`
  })
  return `open: ${states.join(', ')}`
}

const gatherText = (holders: readonly NodeReading[], owner: NodeReading) => {
  const others = holders.filter((h) => h !== owner)
  return others.length > 0 ? `; keys on ${others.map((h) => h.address).join(', ')} move to it, never overwriting` : ''
}

const one = (slot: number): SlotRange[] => [{end: slot, start: slot}]
const stableStep = (r: NodeReading, slot: number): FixStep => ({kind: 'stable', node: r.self.id, slots: one(slot)})
const claimStep = (r: NodeReading, slot: number): FixStep => ({kind: 'claim', node: r.self.id, slots: one(slot)})
const announceStep = (r: NodeReading, slot: number): FixStep => ({kind: 'announce', owner: r.self.id, slots: one(slot)})
const releaseStep = (r: NodeReading, owner: NodeReading, slot: number): FixStep => ({
  kind: 'release',
  node: r.self.id,
  owner: owner.self.id,
  slots: one(slot),
})
const gatherSteps = (holders: readonly NodeReading[], owner: NodeReading, slot: number): FixStep[] =>
  holders
    .filter((h) => h !== owner)
    .map((h) => ({from: h.self.id, kind: 'gather', slots: one(slot), to: owner.self.id}))

function evidenceOf(context: Context, slot: number, keys: ReadonlyMap<string, number>): Evidence[] {
  return context.readings.map((r) => {
    const to = migratingTo(r, slot)
    const from = importingFrom(r, slot)
    return {
      address: r.address,
      configEpoch: r.self.configEpoch,
      id: r.self.id,
      keys: keys.get(r.self.id) ?? 0,
      saysOwner: context.views.get(r.self.id)?.[slot] ?? '',
      state: to ? `migrating to ${to}` : from ? `importing from ${from}` : owns(r, slot) ? 'owner' : '-',
    }
  })
}

/** Consecutive slots with the same problem, action and evidence are one diagnosis. */
function groupDiagnoses(perSlot: readonly Diagnosis[]): Diagnosis[] {
  const grouped: Diagnosis[] = []
  const signature = (d: Diagnosis) => JSON.stringify([d.problem, d.action, d.evidence])
  for (const diagnosis of perSlot) {
    const last = grouped.at(-1)
    const lastEnd = last?.slots.at(-1)?.end
    if (last && lastEnd === diagnosis.slots[0]!.start - 1 && signature(last) === signature(diagnosis)) {
      grouped[grouped.length - 1] = {...last, slots: toRanges([...slotsOf(last.slots), diagnosis.slots[0]!.start])}
    } else grouped.push(diagnosis)
  }

  return grouped
}

/** Steps of the same kind between the same nodes become one step over all their slots, in FIX_STEP_ORDER. */
function mergeSteps(steps: readonly FixStep[]): FixStep[] {
  const merged = new Map<string, {slots: number[]; step: FixStep}>()
  for (const step of steps) {
    const key = JSON.stringify({...step, slots: undefined})
    const entry = merged.get(key) ?? {slots: [], step}
    entry.slots.push(...slotsOf(step.slots))
    merged.set(key, entry)
  }

  const rank = (step: FixStep) => FIX_STEP_ORDER.indexOf(step.kind)
  return [...merged.values()]
    .map(({slots, step}) => ({...step, slots: toRanges(slots)}))
    .sort((a, b) => rank(a) - rank(b))
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
