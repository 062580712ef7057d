import {Flags} from '@oclif/core'

import {check, type CheckResult} from '../actions/check.js'
import {BaseCommand} from '../base-command.js'
import {nodeArg} from '../flags.js'

export type {CheckResult} from '../actions/check.js'

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
    const input = {address: this.args.address, searchMultipleOwners: this.flags['search-multiple-owners']}
    return check(await this.reader(), input, this.output)
  }
}
