import {finishedSlots, type MovePlan, type MoveStep, remainingSteps} from '../../cluster/move-plan.js'
import {countSlots, toRanges} from '../../cluster/slots.js'
import type {NodePool} from '../../redis/connection.js'
import {Journal, journalPathOf} from '../journal.js'
import {type MoveJob, type MoveSummary, runMoves} from './engine.js'

export type PlanRun = {
  readonly onKeys?: (count: number) => void
  /** Slots moved, closed and agreed on, as windows finish. */
  readonly onSlots?: (count: number) => void
  /** Called once, with the slots and (estimated) keys still to move, before the first key moves. */
  readonly onStart?: (work: {keys: number; slots: number}) => void
  /** Continue a run the journal says was started: only what it does not record as done is moved. */
  readonly resume: boolean
  readonly signal?: AbortSignal
}

export type PlanOutcome = MoveSummary & {journal: string}

const now = () => new Date().toISOString()

/**
 * Runs a saved plan with its journal: appends `start`, a `done` record per window agreed on by all
 * masters, then `finished`, or `stopped` (Ctrl-C, or a failure, which is rethrown). The caller has checked
 * the plan against the cluster.
 */
export async function runPlan(pool: NodePool, plan: MovePlan, planPath: string, run: PlanRun): Promise<PlanOutcome> {
  const path = journalPathOf(planPath)
  const remaining = remainingSteps(plan.steps, run.resume ? finishedSlots(Journal.read(path)) : new Map())
  const journal = Journal.open(path)
  try {
    journal.append({at: now(), event: 'start', resume: run.resume})
    run.onStart?.(workLeft(plan.steps, remaining))
    const summary = await runMoves(pool, plan.seed, remaining, {
      events: {
        onWindowDone: (job, slots, keys) => {
          journal.append({at: now(), event: 'done', keys, slots: toRanges(slots), step: job.index})
          run.onSlots?.(slots.length)
        },
        ...(run.onKeys ? {onKeys: run.onKeys} : {}),
      },
      settings: plan.settings,
      ...(run.signal ? {signal: run.signal} : {}),
    })
    journal.append(
      summary.stopped ? {at: now(), event: 'stopped', reason: 'interrupted'} : {at: now(), event: 'finished'},
    )
    return {...summary, journal: path}
  } catch (error) {
    journal.append({at: now(), event: 'stopped', reason: error instanceof Error ? error.message : String(error)})
    throw error
  } finally {
    journal.close()
  }
}

/** Slots left, and keys estimated from each step's count in the plan, in proportion to its slots left. */
function workLeft(planned: readonly MoveStep[], remaining: readonly MoveJob[]): {keys: number; slots: number} {
  let keys = 0
  let slots = 0
  for (const {index, step} of remaining) {
    const left = countSlots(step.slots)
    const original = planned[index]!
    keys += Math.round(((original.estimatedKeys ?? 0) * left) / countSlots(original.slots))
    slots += left
  }

  return {keys, slots}
}
