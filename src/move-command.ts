import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type Command, Flags} from '@oclif/core'

import {SlotctlError} from './cluster/errors.js'
import {DEFAULT_MIGRATION, type MigrationSettings, type MovePlan} from './cluster/move-plan.js'
import {runPlan} from './ops/engine/run-plan.js'
import {writePlanFile} from './plan-file.js'
import type {NodePool} from './redis/connection.js'
import {renderMoveReport, resumeCommand} from './ui/move-plan-view.js'
import {moveProgress} from './ui/progress.js'
import {confirmOrRefuse} from './ui/prompt.js'
import {dryRunFlag, yesFlag} from './flags.js'

/** The flags of every command that moves slots on the migration engine (reshard, rebalance). */
export const moveFlags = {
  concurrency: Flags.integer({
    default: DEFAULT_MIGRATION.perNodeLimit,
    description: 'Most moves at once that involve the same node (moves between other pairs run alongside).',
    min: 1,
  }),
  'dry-run': dryRunFlag,
  pipeline: Flags.integer({
    default: DEFAULT_MIGRATION.batchKeys,
    description: 'Most keys per MIGRATE; batches start smaller and shrink for big keys.',
    min: 1,
  }),
  'plan-out': Flags.string({description: 'Write the plan to this file and change nothing; run it with slotctl apply.'}),
  replace: Flags.boolean({
    default: false,
    description: 'Overwrite keys that already exist on the target with a different value (BUSYKEY).',
  }),
  timeout: Flags.integer({
    default: DEFAULT_MIGRATION.timeoutMs,
    description: 'MIGRATE timeout in ms to start with; it doubles after each timeout.',
    min: 100,
  }),
  yes: yesFlag,
}

/** The migration engine's settings, as the move flags set them. */
export function migrationSettingsFrom(flags: {
  concurrency: number
  pipeline: number
  replace: boolean
  timeout: number
}): MigrationSettings {
  return {
    ...DEFAULT_MIGRATION,
    batchKeys: flags.pipeline,
    perNodeLimit: flags.concurrency,
    replace: flags.replace,
    timeoutMs: flags.timeout,
  }
}

/** The `--json` result of a run of move steps (reshard, apply). */
export type MoveRunResult = {
  journal: string
  keysMoved: number
  keysPerSecond: number
  plan: string
  /** How to continue, when the run was stopped. */
  resume?: string
  seconds: number
  slotsMoved: number
  stopped: boolean
}

/** What a command that makes a move plan returns: the plan (dry run, saved) or the run. */
export type MovePlanOutcome = {plan: MovePlan; planFile?: string} | MoveRunResult

export type PlanDelivery = {
  readonly dryRun: boolean
  readonly planOut: string | undefined
  /** The confirmation question. */
  readonly question: string
  readonly yes: boolean
}

/**
 * The end of every command that plans moves (reshard, rebalance): stop at the plan (--dry-run), write it
 * for `apply` (--plan-out), or confirm, save it with its journal and run it.
 */
export async function deliverMovePlan(
  command: Pick<Command, 'log' | 'logToStderr'>,
  pool: NodePool,
  plan: MovePlan,
  delivery: PlanDelivery,
): Promise<MovePlanOutcome> {
  if (delivery.dryRun) return {plan}
  if (delivery.planOut) {
    writePlanFile(delivery.planOut, plan)
    command.log(
      `\nPlan written to ${delivery.planOut}; nothing changed. Run it with: slotctl apply ${delivery.planOut}`,
    )
    return {plan, planFile: delivery.planOut}
  }

  await confirmOrRefuse(delivery.question, {flagName: '--yes', yes: delivery.yes})
  const planFile = savePlan(plan)
  command.logToStderr(`Plan saved to ${planFile}; if the run stops, continue it with: ${resumeCommand(planFile)}`)
  return executeMovePlan(command, pool, plan, planFile, false)
}

/** Ctrl-C stops the run after the current batch and exits 130; the journal lets `apply --resume` continue. */
export const INTERRUPTED_EXIT = 130

/**
 * What reshard and apply share once a plan is confirmed: run it with a journal, draw progress on a terminal,
 * turn the first Ctrl-C into a clean stop (a second one kills as usual), and report.
 */
export async function executeMovePlan(
  command: Pick<Command, 'log' | 'logToStderr'>,
  pool: NodePool,
  plan: MovePlan,
  planFile: string,
  resume: boolean,
): Promise<MoveRunResult> {
  const progress = moveProgress()
  const stop = new AbortController()
  const onSigint = () => {
    command.logToStderr('\nStopping after the current batch (Ctrl-C again to kill)...')
    stop.abort()
    process.removeListener('SIGINT', onSigint)
  }

  process.on('SIGINT', onSigint)
  try {
    const outcome = await runPlan(pool, plan, planFile, {...progress, resume, signal: stop.signal})
    progress.stop()
    command.log(renderMoveReport(outcome, planFile))
    if (outcome.stopped) process.exitCode = INTERRUPTED_EXIT
    const {journal, keysMoved, keysPerSecond, seconds, slotsMoved, stopped} = outcome
    return {
      journal,
      keysMoved,
      keysPerSecond,
      plan: planFile,
      seconds: Math.round(seconds * 1000) / 1000,
      slotsMoved,
      stopped,
      ...(stopped ? {resume: resumeCommand(planFile)} : {}),
    }
  } catch (error) {
    progress.stop()
    // In the error itself, so that --json output carries it too.
    if (error instanceof SlotctlError)
      error.suggestions.push(`Once that is dealt with, continue with: ${resumeCommand(planFile)}`)
    throw error
  } finally {
    process.removeListener('SIGINT', onSigint)
  }
}

/** Where a run without --plan-out keeps its plan and journal: .slotctl/ in the working directory. */
function savePlan(plan: MovePlan): string {
  mkdirSync('.slotctl', {recursive: true})
  const file = join('.slotctl', `${plan.kind}-${plan.createdAt.replaceAll(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`)
  return file
}
