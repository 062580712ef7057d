import {Flags} from '@oclif/core'

import {planRepair, refuseDataLoss, type RepairResult, renderRepair, repairVerdict, runRepair} from '../actions/fix.js'
import {BaseCommand} from '../base-command.js'
import {dryRunFlag, nodeArg, yesFlag} from '../flags.js'
import {writePlanFile} from '../plan-file.js'
import {paint} from '../ui/colour.js'
import {confirmOrRefuse} from '../ui/prompt.js'

export default class Fix extends BaseCommand<typeof Fix> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description = `Repairs what check reports about slots: open slots (migrating and/or importing, half-moved with keys on both sides, several importers, an owner not among them), uncovered slots, slots claimed by several masters, keys held by masters that do not own their slot (--search-multiple-owners), and masters that disagree about an owner.

For every problem it shows the evidence (per node: slot state, keys in the slot, who it says owns it, config epoch) and one action; --dry-run stops there with the repair plan; --plan-out saves it for "slotctl apply", which runs it only while fix would still make the same repair. The repair never deletes a key and never overwrites one: keys move to the owner only where it lacks them, and a key it already has is reported and left where it is. A started move is finished on the migration engine.

An uncovered slot whose master is gone along with its replicas can only be given to another master empty: that loses its keys, so it needs --accept-data-loss.

Exit status: 0 repaired (or nothing to repair), 1 still unhealthy after the repair, refused, or a step failed, 2 bad arguments or no --yes without a terminal, 3 cannot connect.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --yes',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --plan-out repair.json',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --search-multiple-owners --yes --json',
  ]
  static override flags = {
    'accept-data-loss': Flags.boolean({
      default: false,
      description: 'Also cover slots whose master and replicas are all gone (their keys are lost).',
    }),
    'dry-run': dryRunFlag,
    'plan-out': Flags.string({
      description: 'Write the repair plan (JSON) to this file and change nothing; run it later with apply.',
    }),
    'search-multiple-owners': Flags.boolean({
      default: false,
      description: 'Also find and move keys held by masters that do not own their slot.',
    }),
    yes: yesFlag,
  }
  static override summary = 'Repair open, uncovered and disputed slots without losing a key.'

  async run(): Promise<RepairResult> {
    const pool = await this.pool()
    const {plan, snapshot} = await planRepair(pool, this.args.address, {
      acceptDataLoss: this.flags['accept-data-loss'],
      searchMultipleOwners: this.flags['search-multiple-owners'],
    })
    if (plan.steps.length === 0) {
      this.log(paint.green('✔ No slot needs a repair.'))
      return repairVerdict(snapshot, plan, this)
    }

    this.log(renderRepair(plan, snapshot))
    const planOut = this.flags['plan-out']
    if (planOut) {
      writePlanFile(planOut, plan)
      this.log(`\nPlan written to ${planOut}; nothing changed. Run it with: slotctl apply ${planOut}`)
      return {diagnoses: plan.diagnoses, plan, planFile: planOut}
    }

    if (this.flags['dry-run']) return {diagnoses: plan.diagnoses, plan}
    refuseDataLoss(plan, 'Or accept that those keys are gone: pass --accept-data-loss')
    await confirmOrRefuse('Run this repair?', {flagName: '--yes', yes: this.flags.yes})
    return runRepair(pool, snapshot, plan, this)
  }
}
