import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {checkCluster, type Finding, isHealthy} from '../cluster/checks.js'
import {ExitCode, OperationError} from '../cluster/errors.js'
import {type Diagnosis, type FixStep, planFix, slotsToRepair} from '../cluster/fix-plan.js'
import {fingerprintOf, type Plan, PLAN_VERSION} from '../cluster/plan.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {dryRunFlag, nodeArg, yesFlag} from '../flags.js'
import {countSlotKeys, type KeyConflict, runFix} from '../ops/fix.js'
import {readCluster} from '../redis/discover.js'
import {renderFindings} from '../ui/cluster-view.js'
import {paint} from '../ui/colour.js'
import {renderConflicts, renderDiagnoses, renderFixSteps} from '../ui/fix-view.js'
import {nodeNamer} from '../ui/move-plan-view.js'
import {confirmOrRefuse} from '../ui/prompt.js'

export type FixPlanFile = Plan<FixStep> & {readonly diagnoses: readonly Diagnosis[]}

export type FixResult = {
  conflicts?: readonly KeyConflict[]
  diagnoses: readonly Diagnosis[]
  healthy?: boolean
  keysMoved?: number
  plan: FixPlanFile
  /** What check still finds after the repair. */
  problems?: readonly Finding[]
}

export default class Fix extends BaseCommand<typeof Fix> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description = `Repairs what check reports about slots: open slots (migrating and/or importing, half-moved with keys on both sides, several importers, an owner not among them), uncovered slots, slots claimed by several masters, keys held by masters that do not own their slot (--search-multiple-owners), and masters that disagree about an owner.

For every problem it shows the evidence (per node: slot state, keys in the slot, who it says owns it, config epoch) and one action; --dry-run stops there with the repair plan. The repair never deletes a key and never overwrites one: keys move to the owner only where it lacks them, and a key it already has is reported and left where it is. A started move is finished on the migration engine.

An uncovered slot whose master is gone along with its replicas can only be given to another master empty: that loses its keys, so it needs --accept-data-loss.

Exit status: 0 repaired (or nothing to repair), 1 still unhealthy after the repair, refused, or a step failed, 2 bad arguments or no --yes without a terminal, 3 cannot connect.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --yes',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --search-multiple-owners --yes --json',
  ]
  static override flags = {
    'accept-data-loss': Flags.boolean({
      default: false,
      description: 'Also cover slots whose master and replicas are all gone (their keys are lost).',
    }),
    'dry-run': dryRunFlag,
    'search-multiple-owners': Flags.boolean({
      default: false,
      description: 'Also find and move keys held by masters that do not own their slot.',
    }),
    yes: yesFlag,
  }
  static override summary = 'Repair open, uncovered and disputed slots without losing a key.'

  async run(): Promise<FixResult> {
    const pool = await this.pool()
    const snapshot = await readCluster(pool, this.args.address, {
      searchMultipleOwners: this.flags['search-multiple-owners'],
    })
    const slots = slotsToRepair(snapshot)
    const {diagnoses, steps} = planFix(snapshot, slots, await countSlotKeys(pool, snapshot, slots))
    const plan: FixPlanFile = {
      createdAt: new Date().toISOString(),
      diagnoses,
      fingerprint: fingerprintOf(snapshot),
      kind: 'fix',
      seed: snapshot.seed,
      steps,
      version: PLAN_VERSION,
    }
    if (steps.length === 0) {
      this.log(paint.green('✔ No slot needs a repair.'))
      return this.verdict(snapshot, plan)
    }

    this.log(`${renderDiagnoses(diagnoses)}\n\n${renderFixSteps(steps, nodeNamer(snapshot))}`)
    if (this.flags['dry-run']) return {diagnoses, plan}
    this.refuseDataLoss(diagnoses)
    await confirmOrRefuse('Run this repair?', {flagName: '--yes', yes: this.flags.yes})
    const {conflicts, keysMoved} = await runFix(pool, snapshot, steps)
    if (conflicts.length > 0) this.log(`\n${renderConflicts(conflicts)}`)
    const after = await readCluster(pool, this.args.address)
    return {...this.verdict(after, plan), conflicts, keysMoved}
  }

  private refuseDataLoss(diagnoses: readonly Diagnosis[]): void {
    const losing = diagnoses.filter((d) => d.losesData)
    if (losing.length === 0 || this.flags['accept-data-loss']) return
    throw new OperationError(
      `repairing ${losing.map((d) => d.problem).join('; ')} loses the keys those slots had; nothing was changed`,
      {
        code: 'DATA_LOSS',
        suggestions: [
          'Bring the master or one of its replicas back, and run check again',
          'Or accept that those keys are gone: pass --accept-data-loss',
        ],
      },
    )
  }

  /** What check says now: exit 1 if the cluster is still unhealthy. */
  private verdict(snapshot: ClusterSnapshot, plan: FixPlanFile): FixResult {
    const problems = checkCluster(snapshot)
    const healthy = isHealthy(problems)
    if (healthy) this.log(paint.green('\n✔ check finds no problem.'))
    else {
      this.log(`\n${renderFindings(problems)}`)
      process.exitCode = ExitCode.Failure
    }

    return {diagnoses: plan.diagnoses, healthy, plan, problems}
  }
}
