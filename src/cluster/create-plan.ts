import {formatAddress, parseAddress} from './address.js'
import type {NodeRef} from './checks.js'
import type {CreateLayout} from './create-layout.js'
import {badPlan, type Fingerprint, isRecord, isSlotRange, PLAN_VERSION, type Plan, planObject} from './plan.js'
import type {NodeReading} from './snapshot.js'
import {formatRanges, type SlotRange} from './slots.js'

/** Where the others MEET a node: an IP (CLUSTER MEET takes no host names) and both of its ports. */
export type MeetTarget = {readonly busPort: number; readonly ip: string; readonly port: number}

/** A replica as the plan expects every node to see it once created. */
export type ExpectedReplica = NodeRef & {readonly masterId: string}

/**
 * One step of a create plan. The executor runs consecutive steps of the same action at the same time;
 * `wait-*` steps poll every node until it sees what they describe, within a time limit.
 */
export type CreateStep =
  | {readonly action: 'add-slots'; readonly node: string; readonly slots: readonly SlotRange[]}
  | {readonly action: 'meet'; readonly node: string; readonly peer: MeetTarget}
  | {readonly action: 'replicate'; readonly master: NodeRef; readonly node: string}
  | {readonly action: 'set-config-epoch'; readonly epoch: number; readonly node: string}
  | {readonly action: 'wait-joined'; readonly nodes: readonly NodeRef[]}
  | {
      readonly action: 'wait-replicas'
      readonly nodes: readonly NodeRef[]
      readonly replicas: readonly ExpectedReplica[]
    }

export type CreatePlan = Plan<CreateStep>

/** What `create` learnt about each node before planning: its id, and how the others reach it. */
export type CreateTarget = NodeRef & {readonly meet: MeetTarget}

/**
 * The steps that turn empty nodes into the cluster `layout` describes: slots, then a distinct config epoch
 * per node (only possible while a node knows no other), then every node MEETs the first master; once all
 * agree, replicas REPLICATE their masters.
 */
export function buildCreatePlan(
  layout: CreateLayout,
  targets: readonly CreateTarget[],
  fingerprint: Fingerprint,
  createdAt: Date,
): CreatePlan {
  const target = lookup(new Map(targets.map((t) => [t.address, t])))
  const nodes = targets.map(({address, id}) => ({address, id}))
  const first = target(layout.masters[0]?.address ?? '')
  const replicas = layout.masters.flatMap((master) =>
    master.replicas.map((replica) => ({
      address: replica.address,
      id: target(replica.address).id,
      masterId: target(master.address).id,
    })),
  )
  const steps: CreateStep[] = [
    ...layout.masters.map(({address, slots}) => ({action: 'add-slots' as const, node: address, slots: [slots]})),
    ...targets.map(({address}, i) => ({action: 'set-config-epoch' as const, epoch: i + 1, node: address})),
    ...targets
      .filter(({address}) => address !== first.address)
      .map(({address}) => ({action: 'meet' as const, node: address, peer: first.meet})),
    {action: 'wait-joined', nodes},
    ...layout.masters.flatMap((master) =>
      master.replicas.map((replica) => ({
        action: 'replicate' as const,
        master: {address: master.address, id: target(master.address).id},
        node: replica.address,
      })),
    ),
    ...(replicas.length > 0 ? [{action: 'wait-replicas' as const, nodes, replicas}] : []),
  ]
  return {
    createdAt: createdAt.toISOString(),
    fingerprint,
    kind: 'create',
    seed: first.address,
    steps,
    version: PLAN_VERSION,
  }
}

/** The nodes a create plan joins, each with the id it had when planned. */
export function planNodes(plan: CreatePlan): readonly NodeRef[] {
  for (const step of plan.steps) if (step.action === 'wait-joined') return step.nodes
  return []
}

/** Each master a create plan makes: its slots and the replicas it attaches. */
export function plannedMasters(plan: CreatePlan): Array<{address: string; replicas: string[]; slots: SlotRange[]}> {
  return plan.steps.flatMap((step) =>
    step.action === 'add-slots'
      ? [
          {
            address: step.node,
            replicas: plan.steps.flatMap((other) =>
              other.action === 'replicate' && other.master.address === step.node ? [other.node] : [],
            ),
            slots: [...step.slots],
          },
        ]
      : [],
  )
}

/**
 * Why a saved create plan can no longer run on its nodes, read now (`readings`, one per planned node): a node
 * replaced (another id at its address), or no longer empty. Empty when the plan still fits.
 */
export function createPlanChanges(plan: CreatePlan, readings: readonly NodeReading[]): string[] {
  const plannedId = new Map(planNodes(plan).map((node) => [node.address, node.id]))
  return readings.flatMap((reading) => {
    const id = plannedId.get(reading.address) ?? ''
    if (id !== reading.self.id)
      return [`${reading.address} is now node ${reading.self.id.slice(0, 8)}, not ${id.slice(0, 8)}`]
    return busyReasons(reading).map((reason) => `${reading.address} ${reason}`)
  })
}

/** The command that writes a create plan, for errors that ask for a new one. */
export const WRITES_CREATE_PLAN = 'slotctl create ADDRESSES... --dry-run --plan-out FILE'

/** Reads a create plan file, checking every step a run depends on. Throws a UsageError naming the file. */
export function parseCreatePlan(text: string, file: string): CreatePlan {
  const fail = badPlan(file, 'create', WRITES_CREATE_PLAN)
  const data = planObject(text, fail)
  if (data.kind !== 'create') throw fail(`its kind is ${String(data.kind)}`)
  if (!Array.isArray(data.steps) || !data.steps.every(isCreateStep)) throw fail('a step is not a create step')
  const plan = data as unknown as CreatePlan
  if (planNodes(plan).length === 0) throw fail('no wait-joined step names the nodes')
  return plan
}

function isCreateStep(value: unknown): value is CreateStep {
  if (!isRecord(value)) return false
  const waits = value.action === 'wait-joined' || value.action === 'wait-replicas'
  if (!waits && !isAddress(value.node)) return false
  switch (value.action) {
    case 'add-slots': {
      return Array.isArray(value.slots) && value.slots.every(isSlotRange)
    }

    case 'meet': {
      const {peer} = value
      return isRecord(peer) && typeof peer.ip === 'string' && isPort(peer.port) && isPort(peer.busPort)
    }

    case 'replicate': {
      return isNodeRef(value.master)
    }

    case 'set-config-epoch': {
      return Number.isSafeInteger(value.epoch) && (value.epoch as number) > 0
    }

    case 'wait-joined': {
      return isNodeRefs(value.nodes)
    }

    case 'wait-replicas': {
      const {replicas} = value
      return isNodeRefs(value.nodes) && isNodeRefs(replicas) && replicas.every((r) => typeof r.masterId === 'string')
    }

    default: {
      return false
    }
  }
}

function isAddress(value: unknown): boolean {
  try {
    return typeof value === 'string' && parseAddress(value) !== undefined
  } catch {
    return false
  }
}

const isPort = (value: unknown) => Number.isInteger(value) && (value as number) > 0 && (value as number) < 65_536
const isNodeRef = (value: unknown): value is NodeRef =>
  isRecord(value) && isAddress(value.address) && typeof value.id === 'string'
const isNodeRefs = (value: unknown): value is Array<NodeRef & Record<string, unknown>> =>
  Array.isArray(value) && value.every(isNodeRef)

/** A reason a node stands in the way of `create`, or differs from the planned cluster. */
export type NodeProblem = {readonly address: string; readonly reason: string}

/**
 * How the nodes relate to the plan: all empty (go ahead), already exactly the planned cluster (nothing to do),
 * some not empty (name them and why), or all in use but not as planned (name every difference).
 */
export type CreateDiagnosis =
  | {readonly problems: readonly NodeProblem[]; readonly state: 'differs' | 'not-empty'}
  | {readonly state: 'created' | 'empty'}

/** `readings` are the nodes given to `create`, one each, read before any change. */
export function diagnoseNodes(layout: CreateLayout, readings: readonly NodeReading[]): CreateDiagnosis {
  const busy = readings.map((reading) => ({address: reading.address, reasons: busyReasons(reading)}))
  if (busy.every(({reasons}) => reasons.length === 0)) return {state: 'empty'}
  if (busy.some(({reasons}) => reasons.length === 0)) {
    return {
      problems: busy.flatMap(({address, reasons}) => reasons.map((reason) => ({address, reason}))),
      state: 'not-empty',
    }
  }

  const problems = differencesFromPlan(layout, readings)
  return problems.length === 0 ? {state: 'created'} : {problems, state: 'differs'}
}

function busyReasons(reading: NodeReading): string[] {
  const others = reading.view.filter((line) => line.id !== reading.self.id)
  return [
    ...(reading.keys > 0 ? [`holds ${reading.keys} ${reading.keys === 1 ? 'key' : 'keys'}`] : []),
    ...(reading.self.slots.length > 0 ? [`owns slots ${formatRanges(reading.self.slots)}`] : []),
    ...(others.length > 0
      ? [
          `knows ${others.length} other ${others.length === 1 ? 'node' : 'nodes'} (${others.map((line) => addressOfLine(line)).join(', ')})`,
        ]
      : []),
  ]
}

/** A peer as a node lists it: by address, or by id while it has none yet. */
const addressOfLine = (line: {host: string; id: string; port: number}) =>
  line.host === '' ? `node ${line.id.slice(0, 8)}` : formatAddress(line)

function differencesFromPlan(layout: CreateLayout, readings: readonly NodeReading[]): NodeProblem[] {
  const readingOf = lookup(new Map(readings.map((reading) => [reading.address, reading])))
  const nameOf = (id: string | undefined) => readings.find((r) => r.self.id === id)?.address ?? id?.slice(0, 8) ?? '?'
  const listed = new Set(readings.map((reading) => reading.self.id))
  const problems: NodeProblem[] = []
  const note = (address: string, reason: string) => problems.push({address, reason})
  for (const reading of readings) {
    const known = new Set(reading.view.map((line) => line.id))
    const strangers = reading.view.filter((line) => !listed.has(line.id))
    const missing = readings.filter((other) => !known.has(other.self.id))
    if (strangers.length > 0)
      note(reading.address, `knows nodes that were not given: ${strangers.map((l) => addressOfLine(l)).join(', ')}`)
    if (missing.length > 0) note(reading.address, `does not know ${missing.map((other) => other.address).join(', ')}`)
    if (reading.clusterInfo.cluster_state !== 'ok')
      note(reading.address, `reports cluster_state:${reading.clusterInfo.cluster_state ?? '?'}`)
  }

  for (const master of layout.masters) {
    const {self} = readingOf(master.address)
    const planned = formatRanges([master.slots])
    if (self.role !== 'master')
      note(master.address, `is a replica of ${nameOf(self.masterId)}, the plan makes it a master`)
    else if (formatRanges(self.slots) !== planned)
      note(master.address, `owns slots ${formatRanges(self.slots)}, the plan gives it ${planned}`)
    for (const replica of master.replicas) {
      const line = readingOf(replica.address).self
      if (line.role === 'replica' && line.masterId === self.id) continue
      const now =
        line.role === 'replica'
          ? `replicates ${nameOf(line.masterId)}`
          : line.slots.length > 0
            ? `is a master with slots ${formatRanges(line.slots)}`
            : 'is a master without slots'
      note(replica.address, `${now}, the plan makes it a replica of ${master.address}`)
    }
  }

  return problems
}

/** Map lookup for keys that are there by construction: a miss is a bug, not bad input. */
function lookup<V>(map: ReadonlyMap<string, V>): (key: string) => V {
  return (key) => {
    const value = map.get(key)
    if (value === undefined) throw new Error(`create plan: no node ${key}`)
    return value
  }
}
