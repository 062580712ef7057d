import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {describeNode} from '../cluster/checks.js'
import {dryRunFlag, nodeArg} from '../flags.js'
import {type AfterRemoval, executeDelNode, prepareDelNode} from '../ops/del-node.js'
import {addressOf} from '../redis/discover.js'
import {paint} from '../ui/colour.js'

export type DelNodeResult = PlannedRemoval | RemovedNode | {alreadyRemoved: true; elapsedMs: number; id: string}

/** --dry-run: what would be done; nothing was changed. */
type PlannedRemoval = {
  address: string
  alreadyRemoved: false
  dead: boolean
  dryRun: true
  id: string
  repointed: Array<{address: string; master: string}>
  then: AfterRemoval
  unreachable: string[]
}

type RemovedNode = {
  address: string
  alreadyRemoved: false
  /** The node did not answer: it was removed from the others' tables only. */
  dead: boolean
  elapsedMs: number
  forgetRounds: number
  /** Members slotctl could not reach: they may still list the node and gossip it back. */
  unreachable: string[]
  id: string
  node: AfterRemoval | 'gone'
  repointed: Array<{address: string; master: string}>
}

export default class DelNode extends BaseCommand<typeof DelNode> {
  static override args = {
    address: nodeArg('Any live node of the cluster, host:port.'),
    node: Args.string({
      description: 'The node to remove: its id, a unique id prefix, or host:port. It may be dead.',
      required: true,
    }),
  }
  static override description = `Removes a node that holds no slots, alive or dead. Its replicas first follow another master (the one with the fewest replicas, on another host where possible); then every reachable member gets CLUSTER FORGET at the same moment, within the 60 s in which a forgotten node stays banned; then the node itself is reset (--then reset, the default), shut down (--then shutdown) or left alone (--then keep). Finally slotctl lets gossip run and checks that no member lists the node again.

--dry-run makes the same checks and shows which replicas would follow which master, changing nothing.

A master with slots is refused: move them first with rebalance --weight NODE=0. Given the full id of a node that no member lists any more (a re-run), it does nothing and exits 0.

Exit status: 0 removed, 1 the node holds slots or could not be forgotten everywhere, 2 bad arguments, 3 ADDR cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 127.0.0.1:7006',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 3f2a1b9c --then shutdown',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 127.0.0.1:7006 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 3f2a1b9c --json',
  ]
  static override flags = {
    'dry-run': dryRunFlag,
    settle: Flags.integer({
      default: 2000,
      description: 'Milliseconds of gossip to wait before checking that no member lists the node again.',
      min: 0,
    }),
    then: Flags.string({
      default: 'reset',
      description: 'What to do with the removed node when it answers: CLUSTER RESET SOFT, SHUTDOWN NOSAVE, or nothing.',
      options: ['keep', 'reset', 'shutdown'],
    }),
    timeout: Flags.integer({
      default: 30_000,
      description: 'Milliseconds to wait for the members to forget it.',
      min: 1,
    }),
  }
  static override summary = 'Remove a node (alive or dead) from a cluster.'

  async run(): Promise<DelNodeResult> {
    const started = Date.now()
    const pool = await this.pool()
    const prepared = await prepareDelNode(pool, this.args.address, this.args.node)
    if ('alreadyRemoved' in prepared) {
      this.log(`No member lists ${prepared.alreadyRemoved}: it is removed already, nothing to do.`)
      return {alreadyRemoved: true, elapsedMs: Date.now() - started, id: prepared.alreadyRemoved}
    }

    const {repoints, snapshot, target, targetReading} = prepared
    const name = describeNode({address: addressOf(target), id: target.id})
    const unreachable = snapshot.unreachable.filter((node) => node.id !== target.id).map((node) => node.address)
    const verb = this.flags['dry-run'] ? 'Would remove' : 'Removing'
    this.log(`${verb} ${name}${targetReading ? '' : ' (not reachable)'} from ${prepared.others.length} nodes.`)
    for (const address of unreachable) {
      this.warn(`${address} cannot be reached: it will not forget the node, and may gossip it back once it returns`)
    }

    const repointed = repoints.map((r) => ({address: r.address, master: addressOf(r.master)}))
    const then = this.flags.then as AfterRemoval
    const removal = {address: addressOf(target), alreadyRemoved: false as const, dead: !targetReading, id: target.id}
    if (this.flags['dry-run']) {
      for (const r of repointed) this.log(`  replica ${r.address} would follow ${r.master}`)
      this.log(`  then: ${then} the removed node${targetReading ? '' : ' (if it answers)'}`)
      this.log(paint.dim('Dry run: nothing was changed.'))
      return {...removal, dryRun: true, repointed, then, unreachable}
    }

    const outcome = await executeDelNode(pool, prepared, {
      onPhase: (phase, ms) => this.logToStderr(paint.dim(`  ${phase} (${ms} ms)`)),
      settleMs: this.flags.settle,
      then,
      timeoutMs: this.flags.timeout,
    })
    const elapsedMs = Date.now() - started
    this.log(paint.green(`✔ ${name} removed in ${(elapsedMs / 1000).toFixed(1)} s; no member lists it.`))
    return {...removal, elapsedMs, forgetRounds: outcome.forgetRounds, node: outcome.node, repointed, unreachable}
  }
}
