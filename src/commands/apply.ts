import {Args, Flags} from '@oclif/core'

import {runCreatePlan} from '../actions/create.js'
import {planRepair, refuseDataLoss, type RepairResult, renderRepair, runRepair} from '../actions/fix.js'
import {BaseCommand} from '../base-command.js'
import type {Finding} from '../cluster/checks.js'
import {type CreatePlan, parseCreatePlan, planNodes, WRITES_CREATE_PLAN} from '../cluster/create-plan.js'
import {OperationError, UsageError} from '../cluster/errors.js'
import {type FixPlanFile, fixPlanChanges, parseFixPlan, WRITES_FIX_PLAN} from '../cluster/fix-plan-file.js'
import {
  assertHealthy,
  finishedSlots,
  type MovePlan,
  parseMovePlan,
  remainingSteps,
  resumeProblems,
  WRITES_MOVE_PLAN,
} from '../cluster/move-plan.js'
import {fingerprintChanges, fingerprintOf, planKindOf} from '../cluster/plan.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {countSlots} from '../cluster/slots.js'
import {yesFlag} from '../flags.js'
import {executeMovePlan, type MoveRunResult} from '../move-command.js'
import {DEFAULT_CREATE_TIMEOUT_MS, savedCreatePlanChanges} from '../ops/create.js'
import {Journal, journalPathOf} from '../ops/journal.js'
import {readPlanFile} from '../plan-file.js'
import {readCluster} from '../redis/discover.js'
import {renderCreatePlan} from '../ui/create-view.js'
import {nodeNamer, renderMovePlan, resumeCommand} from '../ui/move-plan-view.js'
import {confirmOrRefuse} from '../ui/prompt.js'

export type CreateApplyResult = {
  created: true
  elapsedMs: number
  kind: 'create'
  plan: string
  /** What `check` finds on the new cluster (warnings only, or apply fails). */
  problems: Finding[]
  seed: string
}

export type FixApplyResult = RepairResult & {kind: 'fix'; planFile: string}

export default class Apply extends BaseCommand<typeof Apply> {
  static override args = {
    plan: Args.string({
      description:
        'A plan file, from --plan-out (reshard, rebalance, create, fix) or saved by reshard under .slotctl/.',
      required: true,
    }),
  }
  static override description = `Runs a plan written by --plan-out (reshard, rebalance, fix, create), after checking that the cluster is still the one the plan was made for: the same nodes, roles, config epochs and slot owners. A plan made for another state is refused with what changed, so a plan cannot be applied twice.

A journal of finished slots is kept beside the plan (PLAN.journal). With --resume, a run that was stopped (Ctrl-C, a crash, a failed move) continues from the real state of each remaining slot: slots may by then belong to their source or their target, and nothing else may have changed. No key is lost or duplicated either way.

A fix plan (fix --plan-out) runs only while the cluster is the one it was made for and fix would still make the same repair of it; it keeps no journal either (run fix again to finish a repair that stopped).

A create plan (create --dry-run --plan-out) runs on its nodes if each is still the planned node and still empty, and the result is judged as create judges it. It keeps no journal: if it stops, see where the nodes stand with "slotctl check".

Exit status: 0 done (or nothing left to do), 1 the plan is stale, the cluster has problems, a move failed or a created cluster fails check, 2 bad arguments or an unreadable plan, 3 cannot connect, 130 stopped by Ctrl-C (resumable).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> move.json',
    '<%= config.bin %> <%= command.id %> move.json --yes --json',
    '<%= config.bin %> <%= command.id %> create.json --yes',
    '<%= config.bin %> <%= command.id %> repair.json --yes',
    '<%= config.bin %> <%= command.id %> .slotctl/reshard-2026-01-01T00-00-00-000Z.json --resume --yes',
  ]
  static override flags = {
    resume: Flags.boolean({default: false, description: 'Continue a run of this plan that was stopped.'}),
    yes: yesFlag,
  }
  static override summary = 'Run a saved plan, or resume one that was stopped.'

  async run(): Promise<CreateApplyResult | FixApplyResult | MoveRunResult> {
    const file = this.args.plan
    const text = readPlanFile(file)
    const kind = planKindOf(text)
    if (kind === 'create') return this.applyCreate(parseCreatePlan(text, file), file)
    if (kind === 'fix') return this.applyFix(parseFixPlan(text, file), file)
    const plan = parseMovePlan(text, file)
    const pool = await this.pool()
    const snapshot = await readCluster(pool, plan.seed)
    const records = Journal.read(journalPathOf(file))
    if (this.flags.resume) {
      if (records.some((record) => record.event === 'finished')) return this.nothingLeft(file)
      refuseIf(resumeProblems(plan, snapshot), `${file} cannot be resumed`, WRITES_MOVE_PLAN)
    } else {
      const finished = records.some((record) => record.event === 'finished')
      if (records.length > 0 && !finished) {
        throw new UsageError(`${file} was started before and did not finish (see ${journalPathOf(file)})`, {
          code: 'PLAN_STARTED',
          suggestions: [`Continue it with: ${resumeCommand(file)}`],
        })
      }

      const why = `${file} was made for another state of the cluster${finished ? ' (it was applied already)' : ''}`
      refuseIf(fingerprintChanges(plan.fingerprint, fingerprintOf(snapshot)), why, WRITES_MOVE_PLAN)
      assertHealthy(snapshot)
    }

    this.show(plan, snapshot, records)
    await confirmOrRefuse(this.flags.resume ? 'Resume this plan?' : 'Apply this plan?', {
      flagName: '--yes',
      yes: this.flags.yes,
    })

    return executeMovePlan(this, pool, plan, file, this.flags.resume)
  }

  /** A saved create plan runs only on its planned nodes, all still empty; it keeps no journal to resume from. */
  private async applyCreate(plan: CreatePlan, file: string): Promise<CreateApplyResult> {
    if (this.flags.resume) {
      throw new UsageError(`${file} is a create plan: only move plans (reshard, rebalance) can be resumed`, {
        code: 'NOT_RESUMABLE',
        suggestions: [`See where its nodes stand with: slotctl check ${plan.seed}`],
      })
    }

    const pool = await this.pool()
    const why = `${file} no longer fits its nodes (applied already?)`
    refuseIf(await savedCreatePlanChanges(pool, plan), why, WRITES_CREATE_PLAN)
    this.log(renderCreatePlan(plan))
    const count = planNodes(plan).length
    await confirmOrRefuse(`Create this cluster of ${count} nodes?`, {flagName: '--yes', yes: this.flags.yes})
    const {elapsedMs, problems} = await runCreatePlan(pool, plan, {
      out: this.output,
      progress: (line) => this.logToStderr(line),
      timeoutMs: DEFAULT_CREATE_TIMEOUT_MS,
    })
    return {created: true, elapsedMs, kind: 'create', plan: file, problems, seed: plan.seed}
  }

  /**
   * A saved repair runs only while the cluster is the one it was made for and fix would make the same repair
   * of it now: open-slot markers and stray keys are not in the fingerprint, so the repair is planned again
   * and compared step by step. It keeps no journal: a repair that stops is finished by running fix again.
   */
  private async applyFix(plan: FixPlanFile, file: string): Promise<FixApplyResult> {
    if (this.flags.resume) {
      throw new UsageError(`${file} is a fix plan: only move plans (reshard, rebalance) can be resumed`, {
        code: 'NOT_RESUMABLE',
        suggestions: [`Finish an interrupted repair with: slotctl fix ${plan.seed}`],
      })
    }

    const pool = await this.pool()
    const {plan: now, snapshot} = await planRepair(pool, plan.seed, plan)
    const changes = [...fingerprintChanges(plan.fingerprint, fingerprintOf(snapshot)), ...fixPlanChanges(plan, now)]
    refuseIf(changes, `${file} no longer fits the cluster (applied already?)`, WRITES_FIX_PLAN)
    this.log(renderRepair(plan, snapshot))
    refuseDataLoss(
      plan,
      `Or accept that those keys are gone: slotctl fix ${plan.seed} --plan-out ${file} --accept-data-loss`,
    )
    await confirmOrRefuse('Run this repair?', {flagName: '--yes', yes: this.flags.yes})
    return {...(await runRepair(pool, snapshot, plan, this)), kind: 'fix', planFile: file}
  }

  private show(plan: MovePlan, snapshot: ClusterSnapshot, records: ReturnType<typeof Journal.read>): void {
    this.log(renderMovePlan(plan, nodeNamer(snapshot)))
    if (!this.flags.resume) return
    const left = remainingSteps(plan.steps, finishedSlots(records))
    const slots = left.reduce((sum, {step}) => sum + countSlots(step.slots), 0)
    this.log(`\nThe journal records ${plan.estimate.slots - slots} slots as moved; ${slots} to go.`)
  }

  private nothingLeft(file: string): MoveRunResult {
    this.log(`${file} is already finished (${journalPathOf(file)}); nothing to do.`)
    return {
      journal: journalPathOf(file),
      keysMoved: 0,
      keysPerSecond: 0,
      plan: file,
      seconds: 0,
      slotsMoved: 0,
      stopped: false,
    }
  }
}

function refuseIf(changes: readonly string[], what: string, remake: string): void {
  if (changes.length === 0) return
  throw new OperationError(`${what}:\n${changes.map((change) => `  ${change}`).join('\n')}`, {
    code: 'STALE_PLAN',
    suggestions: [`Make a new plan for the cluster as it is now (${remake})`],
  })
}
