import {checkCluster} from './checks.js'
import {OperationError} from './errors.js'
import {badPlan, fingerprintOf, isRecord, isSlotRange, type Plan, PLAN_VERSION, planObject} from './plan.js'
import type {ClusterSnapshot} from './snapshot.js'
import {countSlots, formatRanges, type SlotRange, slotsOf, toRanges} from './slots.js'

/**
 * Move these slots, with their keys, from one master to another. The unit of work of reshard,
 * rebalance and fix: the migration engine runs a list of them.
 */
export type MoveStep = {
  /** Keys the slots held when the plan was made (COUNTKEYSINSLOT): for progress and estimates only. */
  readonly estimatedKeys?: number
  readonly from: string
  readonly kind: 'move'
  readonly slots: readonly SlotRange[]
  readonly to: string
}

/** How the engine moves keys. Stored in the plan so that `apply` runs it the way it was reviewed. */
export type MigrationSettings = {
  /** Most keys per MIGRATE (the engine lowers it for big keys). */
  readonly batchKeys: number
  /** Most moves at once that involve the same node. */
  readonly perNodeLimit: number
  /** Overwrite keys that exist on the target with different values (BUSYKEY). */
  readonly replace: boolean
  /** MIGRATE timeout to start with, in ms; doubled after a timeout. */
  readonly timeoutMs: number
  /** Slots whose state changes go out in one pipeline, and whose owners are agreed on together. */
  readonly windowSlots: number
}

export const DEFAULT_MIGRATION: MigrationSettings = {
  batchKeys: 1000,
  perNodeLimit: 2,
  replace: false,
  timeoutMs: 10_000,
  windowSlots: 128,
}

export type MovePlan = Plan<MoveStep> & {
  readonly estimate: {readonly keys: number; readonly slots: number}
  readonly settings: MigrationSettings
}

/** The plan file for move steps computed from `snapshot`. */
export function buildMovePlan(
  snapshot: ClusterSnapshot,
  kind: string,
  steps: readonly MoveStep[],
  settings: MigrationSettings,
  createdAt: Date,
): MovePlan {
  const keys = steps.reduce((sum, step) => sum + (step.estimatedKeys ?? 0), 0)
  return {
    createdAt: createdAt.toISOString(),
    estimate: {keys, slots: planSlotCount(steps)},
    fingerprint: fingerprintOf(snapshot),
    kind,
    seed: snapshot.seed,
    settings,
    steps,
    version: PLAN_VERSION,
  }
}

/** Moving slots on a cluster with problems makes them worse: refuse (exit 1), listing what `check` found. */
export function assertHealthy(snapshot: ClusterSnapshot, resumeHint?: string): void {
  const errors = checkCluster(snapshot).filter((finding) => finding.severity === 'error')
  if (errors.length === 0) return
  const open = errors.some((finding) => finding.code === 'OPEN_SLOT')
  throw new OperationError(
    `the cluster has problems; fix them before moving slots:\n${errors.map((f) => `  ${f.code}: ${f.message}`).join('\n')}`,
    {
      code: 'UNHEALTHY',
      suggestions: [
        ...(open && resumeHint ? [`If an interrupted slotctl run left slots open: ${resumeHint}`] : []),
        `slotctl check ${snapshot.seed}, then slotctl fix ${snapshot.seed}`,
      ],
    },
  )
}

/** Every slot of a step, in windows of at most `size` slots, in slot order. */
export function windowsOf(step: MoveStep, size: number): number[][] {
  const windows: number[][] = []
  let current: number[] = []
  for (const slot of slotsOf(step.slots)) {
    current.push(slot)
    if (current.length === size) {
      windows.push(current)
      current = []
    }
  }

  if (current.length > 0) windows.push(current)
  return windows
}

export const planSlotCount = (steps: readonly MoveStep[]): number =>
  steps.reduce((sum, s) => sum + countSlots(s.slots), 0)

/** The steps with the slots a journal says are finished taken out; steps left empty are dropped. */
export function remainingSteps(steps: readonly MoveStep[], finished: ReadonlyMap<number, ReadonlySet<number>>) {
  return steps
    .map((step, index) => {
      const done = finished.get(index)
      const left = done ? [...slotsOf(step.slots)].filter((slot) => !done.has(slot)) : [...slotsOf(step.slots)]
      return {index, step: {...step, slots: toRanges(left)}}
    })
    .filter(({step}) => step.slots.length > 0)
}

/**
 * Why an interrupted plan cannot be resumed on the cluster as it is now; empty when it can. Slots of the
 * plan may belong to their source or their target (the run got that far); nothing else may have changed.
 */
export function resumeProblems(plan: MovePlan, snapshot: ClusterSnapshot): string[] {
  const owners = new Map<number, string>()
  for (const reading of snapshot.nodes) {
    if (reading.self.role === 'master')
      for (const slot of slotsOf(reading.self.slots)) owners.set(slot, reading.self.id)
  }

  const inPlan = new Map<number, MoveStep>()
  for (const step of plan.steps) for (const slot of slotsOf(step.slots)) inPlan.set(slot, step)
  const problems = missingNodes(plan, snapshot)
  for (const node of plan.fingerprint.nodes) {
    if (node.role !== 'master') continue
    const strayed = [...slotsOf(parseRangeList(node.slots))].filter((s) => !inPlan.has(s) && owners.get(s) !== node.id)
    if (strayed.length > 0) problems.push(`slots ${formatRanges(toRanges(strayed))} outside the plan changed owner`)
  }

  const elsewhere = [...inPlan].filter(([slot, step]) => ![step.from, step.to].includes(owners.get(slot) ?? ''))
  if (elsewhere.length > 0) {
    problems.push(
      `slots ${formatRanges(toRanges(elsewhere.map(([slot]) => slot)))} belong to neither their source nor their target`,
    )
  }

  return problems
}

function missingNodes(plan: MovePlan, snapshot: ClusterSnapshot): string[] {
  const present = new Set(snapshot.nodes.map((reading) => reading.self.id))
  const needed = new Set(plan.steps.flatMap((step) => [step.from, step.to]))
  return [...needed].filter((id) => !present.has(id)).map((id) => `node ${id.slice(0, 8)} of the plan cannot be read`)
}

/** The command that writes a move plan, for errors that ask for a new one. */
export const WRITES_MOVE_PLAN = 'slotctl reshard ADDR ... --plan-out FILE'

/** Reads a plan file's JSON, checking every field a run depends on. Throws a UsageError naming the file. */
export function parseMovePlan(text: string, file: string): MovePlan {
  const fail = badPlan(file, 'move', WRITES_MOVE_PLAN)
  const data = planObject(text, fail)
  if (!Array.isArray(data.steps) || !data.steps.every(isMoveStep))
    throw fail('steps must be move steps with slot ranges')
  const settings = isRecord(data.settings) ? data.settings : {}
  return {
    ...(data as unknown as MovePlan),
    estimate: isRecord(data.estimate)
      ? (data.estimate as MovePlan['estimate'])
      : {keys: 0, slots: planSlotCount(data.steps)},
    settings: {...DEFAULT_MIGRATION, ...pickNumbers(settings), replace: settings.replace === true},
  }
}

function pickNumbers(settings: Record<string, unknown>): Partial<MigrationSettings> {
  const picked: Record<string, number> = {}
  for (const name of ['batchKeys', 'perNodeLimit', 'timeoutMs', 'windowSlots'] as const) {
    const value = settings[name]
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) picked[name] = value
  }

  return picked
}

function isMoveStep(value: unknown): value is MoveStep {
  return (
    isRecord(value) &&
    value.kind === 'move' &&
    typeof value.from === 'string' &&
    typeof value.to === 'string' &&
    value.from !== value.to &&
    Array.isArray(value.slots) &&
    value.slots.every(isSlotRange)
  )
}

/** `0-5460,5462` back into ranges ('-' is none), as fingerprints store slots. */
function parseRangeList(text: string): SlotRange[] {
  if (text === '-' || text === '') return []
  return text.split(',').map((part) => {
    const [start, end = start] = part.split('-').map(Number) as [number, number?]
    return {end, start}
  })
}

/** What the engine journals after each window and at the end; one JSON object per line. */
export type JournalRecord =
  | {readonly at: string; readonly event: 'start'; readonly resume: boolean}
  | {
      readonly at: string
      readonly event: 'done'
      readonly keys: number
      readonly slots: readonly SlotRange[]
      readonly step: number
    }
  | {readonly at: string; readonly event: 'stopped'; readonly reason: string}
  | {readonly at: string; readonly event: 'finished'}

/** The journal's records; a line torn by a crash mid-write (always the last) is dropped. */
export function parseJournal(text: string): JournalRecord[] {
  const records: JournalRecord[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      records.push(JSON.parse(line) as JournalRecord)
    } catch {
      break
    }
  }

  return records
}

/** Step index -> slots the journal says were moved. */
export function finishedSlots(records: readonly JournalRecord[]): Map<number, Set<number>> {
  const finished = new Map<number, Set<number>>()
  for (const record of records) {
    if (record.event !== 'done') continue
    const slots = finished.get(record.step) ?? new Set<number>()
    for (const slot of slotsOf(record.slots)) slots.add(slot)
    finished.set(record.step, slots)
  }

  return finished
}
