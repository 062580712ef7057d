import {type Diagnosis, FIX_STEP_ORDER, type FixPlan, type FixStep} from './fix-plan.js'
import {badPlan, fingerprintOf, isRecord, isSlotRange, type Plan, PLAN_VERSION, planObject} from './plan.js'
import type {ClusterSnapshot} from './snapshot.js'
import {formatRanges} from './slots.js'

/** What fix was asked when it made the plan; `apply` diagnoses and repairs the same way. */
export type FixOptions = {
  /** The user accepted that covering slots whose master is gone loses their keys. */
  readonly acceptDataLoss: boolean
  /** Keys held by masters that do not own their slot were looked for (and are gathered). */
  readonly searchMultipleOwners: boolean
}

/** A repair plan file: the steps, the diagnoses behind them, and the options they were made with. */
export type FixPlanFile = FixOptions & Plan<FixStep> & {readonly diagnoses: readonly Diagnosis[]}

/** The command that writes a fix plan, for errors that ask for a new one. */
export const WRITES_FIX_PLAN = 'slotctl fix ADDR --plan-out FILE'

export function buildFixPlan(
  snapshot: ClusterSnapshot,
  {diagnoses, steps}: FixPlan,
  options: FixOptions,
  createdAt: Date,
): FixPlanFile {
  return {
    acceptDataLoss: options.acceptDataLoss,
    createdAt: createdAt.toISOString(),
    diagnoses,
    fingerprint: fingerprintOf(snapshot),
    kind: 'fix',
    searchMultipleOwners: options.searchMultipleOwners,
    seed: snapshot.seed,
    steps,
    version: PLAN_VERSION,
  }
}

/** Reads a fix plan file, checking every step a run depends on. Throws a UsageError naming the file. */
export function parseFixPlan(text: string, file: string): FixPlanFile {
  const fail = badPlan(file, 'fix', WRITES_FIX_PLAN)
  const data = planObject(text, fail)
  if (data.kind !== 'fix') throw fail(`its kind is ${String(data.kind)}`)
  if (!Array.isArray(data.steps) || data.steps.length === 0) throw fail('it has no steps')
  const bad = data.steps.findIndex((step) => !isFixStep(step))
  if (bad !== -1) throw fail(`step ${bad + 1} is not a repair step`)
  if (!Array.isArray(data.diagnoses) || !data.diagnoses.every(isDiagnosis)) throw fail('its diagnoses are damaged')
  return {
    ...(data as unknown as FixPlanFile),
    acceptDataLoss: data.acceptDataLoss === true,
    searchMultipleOwners: data.searchMultipleOwners === true,
  }
}

/**
 * How the repair `fix` would make of the cluster now differs from the saved one; empty when they are the same
 * steps (key counts aside, which only feed progress). A slot closed, covered or claimed since the plan was
 * made shows up here even where the fingerprint cannot see it (open-slot markers, stray keys).
 */
export function fixPlanChanges(saved: FixPlanFile, now: FixPlan): string[] {
  if (now.steps.length === 0) return ['no slot needs a repair any more']
  const planned = new Set(saved.steps.map((step) => describeStep(step)))
  const needed = new Set(now.steps.map((step) => describeStep(step)))
  return [
    ...[...planned].filter((step) => !needed.has(step)).map((step) => `no longer needed: ${step}`),
    ...[...needed].filter((step) => !planned.has(step)).map((step) => `now also needed: ${step}`),
  ]
}

/** One line per step, with short ids: equal lines are equal steps. */
function describeStep(step: FixStep): string {
  const slots = formatRanges(step.slots)
  const short = (id: string) => id.slice(0, 8)
  switch (step.kind) {
    case 'move':
    case 'gather': {
      return `${step.kind} slots ${slots} from ${short(step.from)} to ${short(step.to)}`
    }

    case 'stable':
    case 'claim': {
      return `${step.kind} slots ${slots} on ${short(step.node)}`
    }

    case 'release': {
      return `release slots ${slots} on ${short(step.node)} to ${short(step.owner)}`
    }

    case 'announce': {
      return `announce ${short(step.owner)} owns slots ${slots}`
    }
  }
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0

function isFixStep(value: unknown): value is FixStep {
  if (!isRecord(value) || !Array.isArray(value.slots) || !value.slots.every(isSlotRange)) return false
  if (!FIX_STEP_ORDER.includes(value.kind as FixStep['kind'])) return false
  switch (value.kind as FixStep['kind']) {
    case 'move':
    case 'gather': {
      return isId(value.from) && isId(value.to) && value.from !== value.to
    }

    case 'stable':
    case 'claim': {
      return isId(value.node)
    }

    case 'release': {
      return isId(value.node) && isId(value.owner)
    }

    case 'announce': {
      return isId(value.owner)
    }
  }
}

function isDiagnosis(value: unknown): value is Diagnosis {
  return (
    isRecord(value) &&
    typeof value.problem === 'string' &&
    typeof value.action === 'string' &&
    typeof value.losesData === 'boolean' &&
    Array.isArray(value.evidence) &&
    Array.isArray(value.slots) &&
    value.slots.every(isSlotRange)
  )
}
