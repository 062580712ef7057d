import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {UsageError} from '../cluster/errors.js'
import {assertHealthy, buildMovePlan} from '../cluster/move-plan.js'
import {type ReshardRequest, planReshard} from '../cluster/reshard-plan.js'
import {resolveMaster} from '../cluster/resolve-node.js'
import {type ClusterSnapshot, masters, seedView} from '../cluster/snapshot.js'
import {parseSlotRange} from '../cluster/slots.js'
import {nodeArg} from '../flags.js'
import {deliverMovePlan, migrationSettingsFrom, moveFlags, type MovePlanOutcome} from '../move-command.js'
import {withKeyEstimates} from '../ops/engine/estimate.js'
import {readCluster} from '../redis/discover.js'
import {nodeNamer, renderMovePlan} from '../ui/move-plan-view.js'
import {canPrompt} from '../ui/prompt.js'
import {askReshard, type ReshardGiven} from '../ui/wizard-reshard.js'

export type ReshardResult = MovePlanOutcome

export default class Reshard extends BaseCommand<typeof Reshard> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description = `Moves slots, with their keys, to one master: a number of slots taken from all masters (or the ones named) in proportion to what each holds, or an exact --range. Slot states change for whole windows of slots in one pipeline, keys move in large MIGRATE batches, and moves between different pairs of nodes run at the same time.

Every run is a plan: --dry-run shows it, --plan-out saves it for "slotctl apply". Without --plan-out the plan is saved under .slotctl/ with a journal of finished slots, so a run stopped by Ctrl-C or a crash continues with "slotctl apply PLAN --resume" and no key is lost. Keys that exist on both nodes are never overwritten unless their values are identical, or --replace is given.

With a terminal and flags missing, it asks (the masters, how many slots, the target, the sources) and confirms. Without a terminal every missing flag is an error, and --yes is needed.

Exit status: 0 done, 1 the cluster has problems or a move failed, 2 bad arguments, 3 cannot connect, 130 stopped by Ctrl-C (resumable).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --from all --to 127.0.0.1:7003 --slots 4096 --yes',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --from 3f2a,9c1d --to e07b --slots 100 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --to 127.0.0.1:7001 --range 100-199 --plan-out move.json',
  ]
  static override flags = {
    ...moveFlags,
    from: Flags.string({
      description: 'Source masters: "all", or comma-separated node ids, unique id prefixes or host:port.',
      exclusive: ['range'],
    }),
    range: Flags.string({
      description: 'Move exactly these slots (N or A-B), from whichever masters own them. Repeatable.',
      exclusive: ['slots', 'from'],
      multiple: true,
    }),
    slots: Flags.integer({description: 'How many slots to move.', max: 16_384, min: 1}),
    to: Flags.string({description: 'The master that receives the slots: node id, unique id prefix or host:port.'}),
  }
  static override summary = 'Move slots and their keys to a master.'

  async run(): Promise<ReshardResult> {
    const pool = await this.pool()
    const snapshot = await readCluster(pool, this.args.address)
    assertHealthy(snapshot)
    const request = await this.request(snapshot)
    const settings = migrationSettingsFrom(this.flags)
    const steps = await withKeyEstimates(pool, snapshot, planReshard(masterSlots(snapshot), request))
    const plan = buildMovePlan(snapshot, 'reshard', steps, settings, new Date())
    if (this.flags['dry-run'] || this.flags['plan-out'] || !this.flags.yes)
      this.log(renderMovePlan(plan, nodeNamer(snapshot)))
    return deliverMovePlan(this, pool, plan, {
      dryRun: this.flags['dry-run'],
      planOut: this.flags['plan-out'],
      question: 'Move these slots?',
      yes: this.flags.yes,
    })
  }

  /** The request from the flags, asking for what is missing when a person is at the terminal. */
  private async request(snapshot: ClusterSnapshot): Promise<ReshardRequest> {
    const members = seedView(snapshot)
    const target = this.flags.to === undefined ? undefined : resolveMaster(members, this.flags.to, '--to').id
    if (this.flags.range) {
      if (target === undefined) throw missing('--to', 'the master that receives the slots')
      return {ranges: this.flags.range.flatMap((text) => text.split(',').map((part) => parseSlotRange(part))), target}
    }

    const given: ReshardGiven = {
      ...(this.flags.slots === undefined ? {} : {count: this.flags.slots}),
      ...(this.flags.from === undefined ? {} : {sources: this.sources(snapshot, this.flags.from)}),
      ...(target === undefined ? {} : {target}),
    }
    if (given.count !== undefined && given.sources && given.target)
      return {count: given.count, sources: given.sources, target: given.target}
    if (this.jsonEnabled() || !canPrompt()) {
      if (given.count === undefined) throw missing('--slots', 'how many slots to move (or --range)')
      if (given.target === undefined) throw missing('--to', 'the master that receives the slots')
      throw missing('--from', 'the source masters, or all')
    }

    return askReshard(snapshot, given, (text) => this.logToStderr(text))
  }

  private sources(snapshot: ClusterSnapshot, text: string): string[] {
    const tokens = text
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== '')
    if (tokens.includes('all')) return masters(snapshot).map((node) => node.self.id)
    return tokens.map((token) => resolveMaster(seedView(snapshot), token, '--from').id)
  }
}

const masterSlots = (snapshot: ClusterSnapshot) =>
  masters(snapshot).map((node) => ({id: node.self.id, slots: node.self.slots}))

function missing(flag: string, what: string): UsageError {
  return new UsageError(`${flag} is required without a terminal: ${what}`, {
    code: 'MISSING_FLAG',
    suggestions: [`Pass ${flag}, or run in a terminal to be asked`],
  })
}
