import {checkCluster, type Finding, isHealthy} from '../cluster/checks.js'
import type {CreatePlan} from '../cluster/create-plan.js'
import {OperationError} from '../cluster/errors.js'
import {executeCreate} from '../ops/create.js'
import type {NodePool} from '../redis/connection.js'
import {readCluster} from '../redis/discover.js'
import {renderFindings, renderMasters} from '../ui/cluster-view.js'
import {paint} from '../ui/colour.js'
import type {Output} from './output.js'

export type CreateRunOptions = {
  readonly out: Output
  /** Where each finished phase is told, with its duration (stderr: progress, not the result). */
  readonly progress: (line: string) => void
  /** Limit for each wait for the nodes to agree. */
  readonly timeoutMs: number
}

/**
 * Runs a create plan (from `create`, or saved and given to `apply`), then judges the result as `check` does:
 * the cluster counts as created only when check finds no error (else CREATE_UNHEALTHY, exit 1).
 */
export async function runCreatePlan(
  pool: NodePool,
  plan: CreatePlan,
  options: CreateRunOptions,
): Promise<{elapsedMs: number; problems: Finding[]}> {
  const started = Date.now()
  await executeCreate(pool, plan, {
    onPhase: (phase, ms) => options.progress(paint.dim(`  ${phase} (${ms} ms)`)),
    timeoutMs: options.timeoutMs,
  })
  const problems = await verify(pool, plan.seed, options.out)
  const elapsedMs = Date.now() - started
  options.out.log(paint.green(`\n✔ created in ${(elapsedMs / 1000).toFixed(1)} s. Next: slotctl check ${plan.seed}`))
  return {elapsedMs, problems}
}

async function verify(pool: NodePool, seed: string, out: Output): Promise<Finding[]> {
  const snapshot = await readCluster(pool, seed)
  const problems = checkCluster(snapshot)
  out.log(`\n${renderMasters(snapshot)}`)
  if (problems.length > 0) out.log(`\n${renderFindings(problems)}`)
  if (!isHealthy(problems)) {
    throw new OperationError('the cluster was set up but check finds errors (above)', {
      code: 'CREATE_UNHEALTHY',
      suggestions: [`slotctl check ${seed}`],
    })
  }

  return problems
}
