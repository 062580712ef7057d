import {formatAddress} from './address.js'
import {describeNode, type NodeRef} from './checks.js'
import {SLOT_COUNT} from './keyslot.js'
import {isFailed, isMyself, isReachableCandidate, isSuspected, type NodeLine, type SlotTransfer} from './nodes.js'
import {countSlots, formatRanges, type SlotRange, slotsOf, toRanges} from './slots.js'

/** What `watch` reports, in the order events of one round are emitted. */
export const EVENT_CODES = [
  'WATCH_STARTED',
  'NODE_UNREACHABLE',
  'NODE_REACHABLE',
  'NODE_JOINED',
  'NODE_PFAIL',
  'NODE_PFAIL_CLEARED',
  'NODE_FAIL',
  'NODE_FAIL_CLEARED',
  'FAILOVER',
  'SLOT_OPEN',
  'SLOT_CLOSED',
  'COVERAGE_LOST',
  'COVERAGE_RESTORED',
  'CLUSTER_STATE',
  'EPOCH_CHANGED',
  'NODE_LEFT',
  'HOOK_FAILED',
] as const
export type EventCode = (typeof EVENT_CODES)[number]

/** One change `watch` saw, as printed with `--json` (one per line) and given to the `--exec` hook. */
export type WatchEvent = {
  readonly code: EventCode
  /** Code-specific facts: the new state, the epochs, the hook's exit status. */
  readonly details?: Readonly<Record<string, number | string>>
  readonly message: string
  readonly nodes: readonly NodeRef[]
  readonly slots: readonly SlotRange[]
  /** ISO 8601, UTC, with milliseconds. */
  readonly time: string
}

/** One node's answer to the round's probe (CLUSTER INFO and its key count), or why there was none. */
export type NodeProbe =
  | {
      readonly address: string
      readonly clusterState: string
      readonly currentEpoch: number
      readonly keys: number
      readonly reachable: true
    }
  | {readonly address: string; readonly error: string; readonly reachable: false}

/** The CLUSTER NODES reply of a node read in full this round. */
export type NodeView = {readonly address: string; readonly lines: readonly NodeLine[]}

/** Everything one watch round read: every known node probed, several read in full. */
export type WatchRound = {readonly probes: readonly NodeProbe[]; readonly views: readonly NodeView[]}

/** One member of the cluster as the readers of a round agree on it. */
export type Member = {
  readonly address: string
  /** cluster_state the node itself last reported (kept while it cannot be reached). */
  readonly clusterState?: string
  readonly configEpoch: number
  /** Why the last probe failed, while the node is unreachable. */
  readonly error?: string
  /** Flagged FAIL by at least one reader: the cluster agreed it is down. */
  readonly failed: boolean
  readonly id: string
  readonly importing: readonly SlotTransfer[]
  readonly keys?: number
  readonly masterId?: string
  readonly migrating: readonly SlotTransfer[]
  /** Whether slotctl reached it in the last round; undefined until first probed. */
  readonly reachable?: boolean
  readonly role: 'master' | 'replica'
  /** The slots it wins: for each slot, the claim with the highest config epoch. */
  readonly slots: readonly SlotRange[]
  /** Addresses of the readers that flag it `fail?` (PFAIL: suspected by them alone). */
  readonly suspectedBy: readonly string[]
}

/** The cluster as one round saw it: the input of the live view and of the next diff. */
export type WatchState = {
  /** The highest cluster_current_epoch any node reported. */
  readonly currentEpoch: number
  /** Sorted by address. */
  readonly members: readonly Member[]
  /** Slots without an owner, or whose owner the cluster flags FAIL. */
  readonly uncovered: readonly SlotRange[]
}

type Sighting = {readonly line: NodeLine; readonly reader: string}

/**
 * Folds a round into a state. What the round could not see is carried over from `previous`: members and
 * their flags when no node could be read, the open slots of a master that was not read, the last known
 * cluster_state and key count of a node that did not answer.
 */
export function observeRound(round: WatchRound, previous?: WatchState): WatchState {
  const probes = new Map(round.probes.map((probe) => [probe.address, probe]))
  const before = new Map(previous?.members.map((member) => [member.id, member]))
  const seen = sightingsById(round.views)
  const members =
    seen.size === 0 && previous
      ? previous.members.map((member) => withProbe(member, probes.get(member.address)))
      : membersFrom(seen, before, probes)
  const reached = round.probes.filter((probe) => probe.reachable)
  return {
    currentEpoch:
      reached.length > 0 ? Math.max(...reached.map((probe) => probe.currentEpoch)) : (previous?.currentEpoch ?? 0),
    members,
    uncovered: uncoveredSlots(members),
  }
}

function sightingsById(views: readonly NodeView[]): Map<string, Sighting[]> {
  const byId = new Map<string, Sighting[]>()
  for (const view of views) {
    for (const line of view.lines) {
      // Handshake lines carry a temporary id; the node shows up under its real id once the handshake ends.
      if (!isMyself(line) && !isReachableCandidate(line)) continue
      byId.set(line.id, [...(byId.get(line.id) ?? []), {line, reader: view.address}])
    }
  }

  return byId
}

function membersFrom(
  seen: Map<string, Sighting[]>,
  before: Map<string, Member>,
  probes: Map<string, NodeProbe>,
): Member[] {
  const owners = resolveOwners([...seen.values()].flat())
  const members = [...seen].map(([id, sightings]) => {
    const own = sightings.find((s) => isMyself(s.line))
    const previous = before.get(id)
    const line = own?.line ?? roleFrom(sightings as [Sighting, ...Sighting[]], previous)
    const member: Member = {
      // Kept once known: the seed may have been reached as localhost:7000 while its peers list 127.0.0.1:7000.
      address: own ? own.reader : (previous?.address ?? addressOf(sightings) ?? ''),
      configEpoch: Math.max(...sightings.map((s) => s.line.configEpoch)),
      failed: sightings.some((s) => isFailed(s.line)),
      id,
      importing: own ? own.line.importing : (previous?.importing ?? []),
      migrating: own ? own.line.migrating : (previous?.migrating ?? []),
      role: line.role,
      slots: owners.get(id) ?? [],
      suspectedBy: sightings.filter((s) => isSuspected(s.line)).map((s) => s.reader),
      ...(line.masterId === undefined ? {} : {masterId: line.masterId}),
      ...carriedProbe(previous),
    }
    return withProbe(member, probes.get(member.address))
  })
  return members.sort((a, b) => a.address.localeCompare(b.address, 'en', {numeric: true}))
}

/**
 * Role and master of a node whose own line was not read. A demoted master keeps its config epoch, so epochs
 * cannot tell a stale view from a fresh one: the role changes only when every view agrees, else stays.
 */
function roleFrom([first, ...rest]: readonly [Sighting, ...Sighting[]], previous: Member | undefined): RoleLine {
  const agree = rest.every((s) => s.line.role === first.line.role && s.line.masterId === first.line.masterId)
  return agree || !previous ? first.line : previous
}

type RoleLine = Pick<Member, 'masterId' | 'role'>

function addressOf(sightings: readonly Sighting[]): string | undefined {
  const line = sightings.find((s) => s.line.host !== '')?.line
  return line && formatAddress({host: line.host, port: line.port})
}

function carriedProbe(previous: Member | undefined): Partial<Member> {
  if (!previous) return {}
  const {clusterState, error, keys, reachable} = previous
  return {
    ...(clusterState === undefined ? {} : {clusterState}),
    ...(error === undefined ? {} : {error}),
    ...(keys === undefined ? {} : {keys}),
    ...(reachable === undefined ? {} : {reachable}),
  }
}

function withProbe(member: Member, probe: NodeProbe | undefined): Member {
  if (!probe) return member
  if (!probe.reachable) return {...member, error: probe.error, reachable: false}
  const {error: _cleared, ...rest} = member
  return {...rest, clusterState: probe.clusterState, keys: probe.keys, reachable: true}
}

/** Owner id -> slots, the way Redis settles conflicting claims: for each slot, the highest config epoch wins. */
function resolveOwners(sightings: readonly Sighting[]): Map<string, SlotRange[]> {
  const epochs = new Float64Array(SLOT_COUNT).fill(-1)
  const owner = new Array<string>(SLOT_COUNT).fill('')
  for (const {line} of sightings) {
    if (line.role !== 'master') continue
    for (const {end, start} of line.slots) {
      for (let slot = start; slot <= end; slot++) {
        if (line.configEpoch <= (epochs[slot] ?? -1)) continue
        epochs[slot] = line.configEpoch
        owner[slot] = line.id
      }
    }
  }

  return runs(owner)
}

function uncoveredSlots(members: readonly Member[]): SlotRange[] {
  const served = new Array<string>(SLOT_COUNT).fill('uncovered')
  for (const member of members) {
    if (member.failed || member.role !== 'master') continue
    for (const {end, start} of member.slots) served.fill('', start, end + 1)
  }

  return runs(served).get('uncovered') ?? []
}

/** Value -> the ranges of consecutive slots holding it ('' means none): one pass, already sorted. */
function runs(bySlot: readonly string[]): Map<string, SlotRange[]> {
  const found = new Map<string, SlotRange[]>()
  for (let start = 0, slot = 1; slot <= bySlot.length; slot++) {
    const value = bySlot[start] ?? ''
    if (slot < bySlot.length && bySlot[slot] === value) continue
    if (value !== '') found.set(value, [...(found.get(value) ?? []), {end: slot - 1, start}])
    start = slot
  }

  return found
}

const overlaps = (a: readonly SlotRange[], b: readonly SlotRange[]): boolean =>
  a.some((x) => b.some((y) => x.start <= y.end && y.start <= x.end))

/** The first event of every watch: what it is watching, so that scripts know it is ready. */
export function startedEvent(state: WatchState, seed: string, time: Date): WatchEvent {
  const masters = state.members.filter((m) => m.role === 'master').length
  const unreachable = state.members.filter((m) => m.reachable === false).length
  const covered = SLOT_COUNT - countSlots(state.uncovered)
  return {
    code: 'WATCH_STARTED',
    details: {masters, replicas: state.members.length - masters, unreachable},
    message: `watching ${plural(masters, 'master')} and ${plural(state.members.length - masters, 'replica')} from ${seed}: ${covered}/${SLOT_COUNT} slots covered${unreachable ? `, ${unreachable} unreachable` : ''}`,
    nodes: state.members.map(refOf),
    slots: [],
    time: time.toISOString(),
  }
}

type Draft = Omit<WatchEvent, 'time'>

/** What changed from one round to the next, in the order of EVENT_CODES. Pure and deterministic. */
export function diffStates(previous: WatchState, current: WatchState, time: Date): WatchEvent[] {
  const drafts = [
    ...reachabilityChanges(previous, current),
    ...joined(previous, current),
    ...failureFlagChanges(previous, current),
    ...failovers(previous, current),
    ...openSlotChanges(previous, current),
    ...coverageChanges(previous, current),
    ...clusterStateChanges(previous, current),
    ...epochChange(previous, current),
    ...left(previous, current),
  ]
  const order = (code: EventCode) => EVENT_CODES.indexOf(code)
  return drafts
    .map((draft, index) => ({draft, index}))
    .sort((a, b) => order(a.draft.code) - order(b.draft.code) || a.index - b.index)
    .map(({draft}) => ({...draft, time: time.toISOString()}))
}

const refOf = (member: Member): NodeRef => ({address: member.address, id: member.id})
const nameOf = (member: Member): string => `${member.role} ${describeNode(refOf(member))}`

/** Members present in both rounds, as [before, after] pairs. */
function pairs(previous: WatchState, current: WatchState): Array<[Member, Member]> {
  const before = new Map(previous.members.map((member) => [member.id, member]))
  return current.members.flatMap((member) => {
    const old = before.get(member.id)
    return old ? [[old, member] as [Member, Member]] : []
  })
}

function reachabilityChanges(previous: WatchState, current: WatchState): Draft[] {
  return pairs(previous, current).flatMap(([old, now]): Draft[] => {
    if (old.reachable === true && now.reachable === false) {
      return [
        {
          code: 'NODE_UNREACHABLE',
          message: `cannot reach ${nameOf(now)}: ${now.error}`,
          nodes: [refOf(now)],
          slots: now.slots,
        },
      ]
    }

    if (old.reachable === false && now.reachable === true) {
      return [{code: 'NODE_REACHABLE', message: `${nameOf(now)} answers again`, nodes: [refOf(now)], slots: now.slots}]
    }

    return []
  })
}

function failureFlagChanges(previous: WatchState, current: WatchState): Draft[] {
  return pairs(previous, current).flatMap(([old, now]): Draft[] => {
    const draft = (code: EventCode, message: string): Draft => ({code, message, nodes: [refOf(now)], slots: now.slots})
    const suspected = (m: Member) => !m.failed && m.suspectedBy.length > 0
    if (!old.failed && now.failed) return [draft('NODE_FAIL', `${nameOf(now)} is marked failed (FAIL) by the cluster`)]
    if (old.failed && !now.failed) return [draft('NODE_FAIL_CLEARED', `${nameOf(now)} is no longer marked failed`)]
    if (!suspected(old) && suspected(now)) {
      return [draft('NODE_PFAIL', `${nameOf(now)} is suspected down (PFAIL) by ${now.suspectedBy.join(', ')}`)]
    }

    // A suspicion that turned into FAIL was reported as NODE_FAIL: only a suspicion that went away clears.
    if (suspected(old) && !suspected(now) && !now.failed) {
      return [draft('NODE_PFAIL_CLEARED', `${nameOf(now)} is no longer suspected down`)]
    }

    return []
  })
}

function failovers(previous: WatchState, current: WatchState): Draft[] {
  const before = new Map(previous.members.map((member) => [member.id, member]))
  return pairs(previous, current).flatMap(([old, now]): Draft[] => {
    // A replica that became a master without slots (CLUSTER RESET) took nothing over.
    if (old.role !== 'replica' || now.role !== 'master' || now.slots.length === 0) return []
    const formerMaster = old.masterId === undefined ? undefined : before.get(old.masterId)
    const replaced = formerMaster ? ` in place of ${describeNode(refOf(formerMaster))}` : ''
    return [
      {
        code: 'FAILOVER',
        message: `replica ${describeNode(refOf(now))} became master of ${slotLabel(now.slots)}${replaced}`,
        nodes: formerMaster ? [refOf(now), refOf(formerMaster)] : [refOf(now)],
        slots: now.slots,
      },
    ]
  })
}

function joined(previous: WatchState, current: WatchState): Draft[] {
  const known = new Set(previous.members.map((member) => member.id))
  return current.members
    .filter((member) => !known.has(member.id))
    .map((member) => {
      const master = member.masterId ? current.members.find((m) => m.id === member.masterId) : undefined
      const of = master ? ` of ${describeNode(refOf(master))}` : ''
      return {
        code: 'NODE_JOINED',
        message: `${nameOf(member)}${of} joined the cluster`,
        nodes: [refOf(member)],
        slots: member.slots,
      }
    })
}

function left(previous: WatchState, current: WatchState): Draft[] {
  const known = new Set(current.members.map((member) => member.id))
  return previous.members
    .filter((member) => !known.has(member.id))
    .map((member) => ({
      code: 'NODE_LEFT',
      message: `${nameOf(member)} left the cluster: no node lists it any more`,
      nodes: [refOf(member)],
      slots: [],
    }))
}

/** Slot -> what is open about it ("migrating on A to B, importing on B from A"). */
function openSlots(state: WatchState): Map<number, string> {
  const peer = (id: string) => state.members.find((m) => m.id === id)?.address ?? id.slice(0, 8)
  const notes = new Map<number, string[]>()
  const note = (slot: number, text: string) => notes.set(slot, [...(notes.get(slot) ?? []), text])
  // Migrating sides first, whatever the address order, so the text reads source to target.
  for (const member of state.members) {
    for (const {peerId, slot} of member.migrating) note(slot, `migrating on ${member.address} to ${peer(peerId)}`)
  }

  for (const member of state.members) {
    for (const {peerId, slot} of member.importing) note(slot, `importing on ${member.address} from ${peer(peerId)}`)
  }

  return new Map([...notes].map(([slot, texts]) => [slot, texts.join(', ')]))
}

/** Groups slots by a description, into ranges per description, in slot order. */
function groupByText(slots: ReadonlyMap<number, string>): Array<{slots: SlotRange[]; text: string}> {
  const groups = new Map<string, number[]>()
  for (const [slot, text] of [...slots].sort(([a], [b]) => a - b)) groups.set(text, [...(groups.get(text) ?? []), slot])
  return [...groups].map(([text, list]) => ({slots: toRanges(list), text}))
}

function openSlotChanges(previous: WatchState, current: WatchState): Draft[] {
  const before = openSlots(previous)
  const now = openSlots(current)
  const opened = new Map([...now].filter(([slot, text]) => before.get(slot) !== text))
  const closed = new Map([...before].filter(([slot]) => !now.has(slot)).map(([slot]) => [slot, 'closed']))
  const nodesOf = (slots: SlotRange[], state: WatchState) => {
    const set = new Set(slotsOf(slots))
    const touches = (list: readonly SlotTransfer[]) => list.some((t) => set.has(t.slot))
    return state.members.filter((m) => touches(m.migrating) || touches(m.importing)).map(refOf)
  }

  return [
    ...groupByText(opened).map(({slots, text}): Draft => ({
      code: 'SLOT_OPEN',
      message: `${slotLabel(slots)} open: ${text}`,
      nodes: nodesOf(slots, current),
      slots,
    })),
    ...groupByText(closed).map(({slots}): Draft => ({
      code: 'SLOT_CLOSED',
      message: `${slotLabel(slots)} closed`,
      nodes: nodesOf(slots, previous),
      slots,
    })),
  ]
}

function coverageChanges(previous: WatchState, current: WatchState): Draft[] {
  if (previous.uncovered.length === 0 && current.uncovered.length === 0) return []
  const before = new Set(slotsOf(previous.uncovered))
  const now = new Set(slotsOf(current.uncovered))
  const lost = toRanges([...now].filter((slot) => !before.has(slot)))
  const restored = toRanges([...before].filter((slot) => !now.has(slot)))
  const ownersOf = (slots: SlotRange[], state: WatchState) =>
    state.members.filter((m) => m.role === 'master' && overlaps(m.slots, slots))

  const drafts: Draft[] = []
  if (lost.length > 0) {
    const owners = ownersOf(lost, current)
    const why =
      owners.length > 0
        ? `their owner ${owners.map((m) => describeNode(refOf(m))).join(', ')} failed`
        : 'no node owns them'
    drafts.push({
      code: 'COVERAGE_LOST',
      message: `${slotLabel(lost)} not covered: ${why}`,
      nodes: owners.map(refOf),
      slots: lost,
    })
  }

  if (restored.length > 0) {
    const owners = ownersOf(restored, current)
    const by = owners.length > 0 ? `: served by ${owners.map((m) => describeNode(refOf(m))).join(', ')}` : ''
    drafts.push({
      code: 'COVERAGE_RESTORED',
      message: `${slotLabel(restored)} covered again${by}`,
      nodes: owners.map(refOf),
      slots: restored,
    })
  }

  return drafts
}

function clusterStateChanges(previous: WatchState, current: WatchState): Draft[] {
  const changed = pairs(previous, current).filter(
    ([old, now]) =>
      old.clusterState !== undefined && now.clusterState !== undefined && old.clusterState !== now.clusterState,
  )
  const states = [...new Set(changed.map(([, now]) => now.clusterState ?? ''))].sort()
  return states.map((state) => {
    const nodes = changed.filter(([, now]) => now.clusterState === state).map(([, now]) => refOf(now))
    return {
      code: 'CLUSTER_STATE',
      details: {state},
      message: `cluster_state ${state} on ${nodes.map((node) => node.address).join(', ')}`,
      nodes,
      slots: [],
    }
  })
}

function epochChange(previous: WatchState, current: WatchState): Draft[] {
  if (previous.currentEpoch === current.currentEpoch) return []
  return [
    {
      code: 'EPOCH_CHANGED',
      details: {from: previous.currentEpoch, to: current.currentEpoch},
      message: `cluster current epoch ${previous.currentEpoch} -> ${current.currentEpoch}`,
      nodes: [],
      slots: [],
    },
  ]
}

function slotLabel(slots: readonly SlotRange[]): string {
  const count = countSlots(slots)
  if (count === 0) return 'no slots'
  return count === 1 ? `slot ${formatRanges(slots)}` : `${count} slots ${formatRanges(slots)}`
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`
