import {checkCluster, type Finding, isHealthy} from '../cluster/checks.js'
import {ExitCode} from '../cluster/errors.js'
import {type ClusterReader, readCluster} from '../redis/discover.js'
import {renderFindings, renderMasters, renderVerdict} from '../ui/cluster-view.js'
import {describeNodes, type NodeSummary} from '../ui/json.js'
import type {Output} from './output.js'

export type CheckInput = {address: string; searchMultipleOwners: boolean}

export type CheckResult = {
  healthy: boolean
  nodes: NodeSummary[]
  problems: Finding[]
}

/** `slotctl check`: the masters, the findings and a verdict; exit status 1 when the cluster is not healthy. */
export async function check(pool: ClusterReader, input: CheckInput, out: Output): Promise<CheckResult> {
  const snapshot = await readCluster(pool, input.address, {searchMultipleOwners: input.searchMultipleOwners})
  const problems = checkCluster(snapshot)
  const healthy = isHealthy(problems)
  out.log(renderMasters(snapshot))
  if (problems.length > 0) out.log(`\n${renderFindings(problems)}`)
  out.log(`\n${renderVerdict(snapshot, problems)}`)
  if (!healthy) process.exitCode = ExitCode.Failure
  return {healthy, nodes: describeNodes(snapshot), problems}
}
