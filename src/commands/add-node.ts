import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {UsageError} from '../cluster/errors.js'
import {dryRunFlag, nodeArg} from '../flags.js'
import {executeAddNode, prepareAddNode} from '../ops/add-node.js'
import {addressOf} from '../redis/discover.js'
import {paint} from '../ui/colour.js'

export type AddNodeResult = {
  address: string
  /** The node was already a member in the requested role, so nothing was done. */
  alreadyMember: boolean
  /** --dry-run: what would be done was shown, nothing was changed. */
  dryRun: boolean
  elapsedMs: number
  id: string
  master?: {address: string; id: string}
  role: 'master' | 'replica'
}

export default class AddNode extends BaseCommand<typeof AddNode> {
  static override args = {
    new: nodeArg('The empty cluster-mode node to add, host:port.'),
    existing: nodeArg('Any node of the cluster, host:port.'),
  }
  static override description = `Checks that the cluster is healthy and the new node empty, introduces it with CLUSTER MEET, and waits (within --timeout) until every node knows it and it reports cluster_state:ok, so that a reshard can follow at once.

With --replica it then follows --master-id, or else the master with the fewest replicas, preferring one on another host than the new node, and slotctl waits until every node sees it as that master's replica.

--dry-run makes the same checks and says which role (and master) the node would get, changing nothing.

Running it again for a node that is already a member in the requested role does nothing and exits 0.

Exit status: 0 added (or already there), 1 the cluster is unhealthy, the node not empty, or it did not converge, 2 bad arguments, 3 a node cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7006 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7007 127.0.0.1:7000 --replica --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7007 127.0.0.1:7000 --replica --master-id 3f2a1b9c',
  ]
  static override flags = {
    'dry-run': dryRunFlag,
    'master-id': Flags.string({
      description: 'With --replica: the master to follow (node id, unique id prefix or host:port).',
    }),
    replica: Flags.boolean({default: false, description: 'Add the node as a replica rather than an empty master.'}),
    timeout: Flags.integer({
      default: 60_000,
      description: 'Milliseconds to wait for the cluster to take the node in, at each wait.',
      min: 1,
    }),
  }
  static override summary = 'Add an empty node to a cluster, as a master or a replica.'

  async run(): Promise<AddNodeResult> {
    const started = Date.now()
    if (this.flags['master-id'] !== undefined && !this.flags.replica) {
      throw new UsageError('--master-id names the master of a replica: it needs --replica', {
        code: 'MASTER_ID_WITHOUT_REPLICA',
        suggestions: ['Add --replica, or drop --master-id to add the node as a master'],
      })
    }

    const pool = await this.pool()
    const prepared = await prepareAddNode(pool, {
      existing: this.args.existing,
      newNode: this.args.new,
      replica: this.flags.replica,
      ...(this.flags['master-id'] === undefined ? {} : {masterId: this.flags['master-id']}),
    })
    const {master, newNode} = prepared
    const role = master ? `replica of ${addressOf(master)} (${master.id.slice(0, 8)})` : 'master'
    const dryRun = this.flags['dry-run'] && !prepared.alreadyMember
    if (prepared.alreadyMember) {
      this.log(`${newNode.address} is already a member of this cluster, as ${role}: nothing to do.`)
    } else if (dryRun) {
      this.log(
        `Would add ${newNode.address} (${newNode.self.id.slice(0, 8)}) to the cluster of ${prepared.snapshot.seed} as ${role}.`,
      )
      this.log(paint.dim('Dry run: nothing was changed.'))
    } else {
      this.log(
        `Adding ${newNode.address} (${newNode.self.id.slice(0, 8)}) to the cluster of ${prepared.snapshot.seed} as ${role}.`,
      )
      await executeAddNode(pool, prepared, {
        onPhase: (phase, ms) => this.logToStderr(paint.dim(`  ${phase} (${ms} ms)`)),
        timeoutMs: this.flags.timeout,
      })
      this.log(paint.green(`✔ ${newNode.address} added as ${role} in ${((Date.now() - started) / 1000).toFixed(1)} s.`))
      if (!master) this.log(`Next: give it slots with slotctl rebalance ${prepared.snapshot.seed} --use-empty-masters`)
    }

    return {
      address: newNode.address,
      alreadyMember: prepared.alreadyMember,
      dryRun,
      elapsedMs: Date.now() - started,
      id: newNode.self.id,
      role: master ? 'replica' : 'master',
      ...(master ? {master: {address: addressOf(master), id: master.id}} : {}),
    }
  }
}
