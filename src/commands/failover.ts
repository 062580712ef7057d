import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {dryRunFlag, nodeArg} from '../flags.js'
import {executeFailover, type FailoverMode, prepareFailover} from '../ops/failover.js'
import {addressOf, readCluster} from '../redis/discover.js'
import {renderMasters} from '../ui/cluster-view.js'
import {paint} from '../ui/colour.js'
import {describeNodes, type NodeSummary} from '../ui/json.js'

type PlannedFailover = {
  before: NodeSummary[]
  elapsedMs: number
  mode: FailoverMode
  newMaster: string
  oldMaster: string
}

/** The roles swapped, or (--dry-run) the checks passed and nothing was sent. */
export type FailoverResult = (PlannedFailover & {after: NodeSummary[]}) | (PlannedFailover & {dryRun: true})

export default class Failover extends BaseCommand<typeof Failover> {
  static override args = {replica: nodeArg('The replica to promote, host:port.')}
  static override description = `Sends CLUSTER FAILOVER to the replica and waits (within --timeout) until every reachable node sees it as the master and its old master as its replica. Shows the masters before and after.

--dry-run makes the same checks and shows the masters and which replica would take over, changing nothing.

By default the failover is coordinated with the master, so no write is lost; that needs the master up. --force goes ahead without the master (the other masters still vote); --takeover needs no vote at all, for when most masters are down.

Exit status: 0 the roles swapped, 1 they did not within --timeout, 2 bad arguments (the node is a master, or the master is down without --force), 3 the replica cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7003',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7003 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7003 --force',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7003 --takeover --json',
  ]
  static override flags = {
    'dry-run': dryRunFlag,
    force: Flags.boolean({
      default: false,
      description: 'Fail over without the master (it is down or unreachable); the masters still vote.',
      exclusive: ['takeover'],
    }),
    takeover: Flags.boolean({
      default: false,
      description: 'Fail over without the master and without a vote (most masters are down).',
      exclusive: ['force'],
    }),
    timeout: Flags.integer({default: 30_000, description: 'Milliseconds to wait for the roles to swap.', min: 1}),
  }
  static override summary = 'Promote a replica to master.'

  async run(): Promise<FailoverResult> {
    const started = Date.now()
    const mode: FailoverMode = this.flags.force ? 'force' : this.flags.takeover ? 'takeover' : 'default'
    const pool = await this.pool()
    const prepared = await prepareFailover(pool, this.args.replica, mode)
    this.show('Before', prepared.snapshot)
    const planned = {
      before: describeNodes(prepared.snapshot),
      mode,
      newMaster: prepared.replica.address,
      oldMaster: addressOf(prepared.master),
    }
    if (this.flags['dry-run']) {
      this.log(`\nWould promote ${planned.newMaster} in place of ${planned.oldMaster} (CLUSTER FAILOVER, ${mode}).`)
      this.log(paint.dim('Dry run: nothing was changed.'))
      return {...planned, dryRun: true, elapsedMs: Date.now() - started}
    }

    await executeFailover(pool, prepared, {mode, timeoutMs: this.flags.timeout})
    const after = await readCluster(pool, this.args.replica)
    this.log('')
    this.show('After', after)
    const elapsedMs = Date.now() - started
    this.log(
      paint.green(
        `\n✔ ${planned.newMaster} is the master now (was ${planned.oldMaster}), in ${(elapsedMs / 1000).toFixed(1)} s.`,
      ),
    )
    return {...planned, after: describeNodes(after), elapsedMs}
  }

  private show(title: string, snapshot: ClusterSnapshot): void {
    this.log(`${paint.bold(title)}:\n${renderMasters(snapshot)}`)
  }
}
