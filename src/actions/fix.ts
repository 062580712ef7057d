import {checkCluster, type Finding, isHealthy} from '../cluster/checks.js'
import {ExitCode, OperationError} from '../cluster/errors.js'
import {planFix, slotsToRepair} from '../cluster/fix-plan.js'
import {buildFixPlan, type FixOptions, type FixPlanFile} from '../cluster/fix-plan-file.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {countSlotKeys, type KeyConflict, runFix} from '../ops/fix.js'
import type {NodePool} from '../redis/connection.js'
import {readCluster} from '../redis/discover.js'
import {renderFindings} from '../ui/cluster-view.js'
import {paint} from '../ui/colour.js'
import {renderConflicts, renderDiagnoses, renderFixSteps} from '../ui/fix-view.js'
import {nodeNamer} from '../ui/move-plan-view.js'
import type {Output} from './output.js'

/** The `--json` result of a repair (fix, or apply of a fix plan). */
export type RepairResult = {
  conflicts?: readonly KeyConflict[]
  diagnoses: FixPlanFile['diagnoses']
  healthy?: boolean
  keysMoved?: number
  plan: FixPlanFile
  /** Where --plan-out wrote the plan. */
  planFile?: string
  /** What check still finds after the repair. */
  problems?: readonly Finding[]
}

/** Reads the cluster from `seed` and plans the repair of every slot that needs one. */
export async function planRepair(
  pool: NodePool,
  seed: string,
  options: FixOptions,
): Promise<{plan: FixPlanFile; snapshot: ClusterSnapshot}> {
  const snapshot = await readCluster(pool, seed, {searchMultipleOwners: options.searchMultipleOwners})
  const slots = slotsToRepair(snapshot)
  const repair = planFix(snapshot, slots, await countSlotKeys(pool, snapshot, slots))
  return {plan: buildFixPlan(snapshot, repair, options, new Date()), snapshot}
}

/** The diagnoses with their evidence, then the numbered steps. */
export function renderRepair(plan: FixPlanFile, snapshot: ClusterSnapshot): string {
  return `${renderDiagnoses(plan.diagnoses)}\n\n${renderFixSteps(plan.steps, nodeNamer(snapshot))}`
}

/**
 * A repair that covers slots whose master is gone loses their keys: refused unless the plan was made with
 * --accept-data-loss. `remake` is the suggestion that says how to accept it.
 */
export function refuseDataLoss(plan: FixPlanFile, remake: string): void {
  const losing = plan.diagnoses.filter((d) => d.losesData)
  if (losing.length === 0 || plan.acceptDataLoss) return
  throw new OperationError(
    `repairing ${losing.map((d) => d.problem).join('; ')} loses the keys those slots had; nothing was changed`,
    {
      code: 'DATA_LOSS',
      suggestions: ['Bring the master or one of its replicas back, and run check again', remake],
    },
  )
}

/** Runs the repair, reports keys left in place, then judges the cluster as check does (exit 1 if unhealthy). */
export async function runRepair(
  pool: NodePool,
  snapshot: ClusterSnapshot,
  plan: FixPlanFile,
  out: Output,
): Promise<RepairResult> {
  const {conflicts, keysMoved} = await runFix(pool, snapshot, plan.steps)
  if (conflicts.length > 0) out.log(`\n${renderConflicts(conflicts)}`)
  const after = await readCluster(pool, snapshot.seed)
  return {...repairVerdict(after, plan, out), conflicts, keysMoved}
}

/** What check says of `snapshot`: exit 1 if the cluster is unhealthy. */
export function repairVerdict(snapshot: ClusterSnapshot, plan: FixPlanFile, out: Output): RepairResult {
  const problems = checkCluster(snapshot)
  const healthy = isHealthy(problems)
  if (healthy) out.log(paint.green('\n✔ check finds no problem.'))
  else {
    out.log(`\n${renderFindings(problems)}`)
    process.exitCode = ExitCode.Failure
  }

  return {diagnoses: plan.diagnoses, healthy, plan, problems}
}
