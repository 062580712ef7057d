import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {checkCluster, type Finding, isHealthy} from '../cluster/checks.js'
import {ExitCode} from '../cluster/errors.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {nodeArg} from '../flags.js'
import {readCluster} from '../redis/discover.js'
import {renderFindings, renderMasters, renderVerdict} from '../ui/cluster-view.js'
import {describeNodes, type NodeSummary} from '../ui/json.js'

export type CheckResult = {
  healthy: boolean
  nodes: NodeSummary[]
  problems: Finding[]
}

export default class Check extends BaseCommand<typeof Check> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description = `Reads every node's own view of the cluster and reports what is wrong: nodes that disagree about slot owners, open (migrating or importing) slots, uncovered slots, several owners of a slot, failed, suspected or unreachable nodes, masters without replicas, replicas on their master's host, cluster_state not ok, and config epoch collisions.

Exit status: 0 healthy (warnings allowed), 1 problems found, 2 bad arguments, 3 the node cannot be reached or refused the credentials.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --json | jq .problems',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --search-multiple-owners',
  ]
  static override flags = {
    'search-multiple-owners': Flags.boolean({
      default: false,
      description: 'Also find keys held by masters that do not own their slot (one pipelined pass per master).',
    }),
  }
  static override summary = 'Check the health of a cluster.'

  async run(): Promise<CheckResult> {
    const snapshot = await readCluster(await this.pool(), this.args.address, {
      searchMultipleOwners: this.flags['search-multiple-owners'],
    })
    const problems = checkCluster(snapshot)
    const healthy = isHealthy(problems)
    this.report(snapshot, problems)
    if (!healthy) process.exitCode = ExitCode.Failure
    return {healthy, nodes: describeNodes(snapshot), problems}
  }

  private report(snapshot: ClusterSnapshot, problems: Finding[]): void {
    this.log(renderMasters(snapshot))
    if (problems.length > 0) this.log(`\n${renderFindings(problems)}`)
    this.log(`\n${renderVerdict(snapshot, problems)}`)
  }
}
