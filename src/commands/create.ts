import {Args, Flags} from '@oclif/core'

import {runCreatePlan} from '../actions/create.js'
import {BaseCommand} from '../base-command.js'
import {formatAddress, parseAddress} from '../cluster/address.js'
import type {Finding} from '../cluster/checks.js'
import {checkCreateShape, type CreateLayout, type PlacementWarning} from '../cluster/create-layout.js'
import type {CreatePlan} from '../cluster/create-plan.js'
import {UsageError} from '../cluster/errors.js'
import {formatRanges} from '../cluster/slots.js'
import {dryRunFlag, yesFlag} from '../flags.js'
import {DEFAULT_CREATE_TIMEOUT_MS, prepareCreate} from '../ops/create.js'
import {writePlanFile} from '../plan-file.js'
import {paint} from '../ui/colour.js'
import {renderCreatePlan} from '../ui/create-view.js'
import {confirmOrRefuse} from '../ui/prompt.js'

export type PlannedMasterSummary = {address: string; replicas: string[]; slots: string}

export type CreateResult = {
  /** The nodes already formed exactly the planned cluster, so nothing was done. */
  alreadyCreated: boolean
  created: boolean
  dryRun: boolean
  /** From confirmation to a verified cluster; 0 when nothing was done. */
  elapsedMs: number
  masters: PlannedMasterSummary[]
  plan?: CreatePlan
  /** What `check` finds on the new cluster (warnings only, or create fails). */
  problems: Finding[]
  warnings: PlacementWarning[]
}

export default class Create extends BaseCommand<typeof Create> {
  static override args = {
    addresses: Args.string({
      description: 'The empty cluster-mode nodes to join, host:port each (at least 3 × (replicas + 1)).',
      required: true,
    }),
  }
  static override description = `Checks that every node is reachable, in cluster mode, given once and empty; splits the 16384 slots evenly over the masters; places replicas off their master's host where the hosts allow (and says so where they do not); then assigns slots, distinct config epochs, MEETs the nodes, attaches replicas, and waits (within --timeout) until every node agrees. It reports success only once the cluster has converged and passes check.

Running it again on nodes that already form the planned cluster does nothing and exits 0; nodes in any other state are named with what stands in the way.

Exit status: 0 created (or already there), 1 a node is not empty or the cluster did not converge, 2 bad arguments (or no terminal to confirm on without --yes), 3 a node cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002',
    '<%= config.bin %> <%= command.id %> 10.0.0.1:6379 10.0.0.2:6379 10.0.0.3:6379 10.0.0.1:6380 10.0.0.2:6380 10.0.0.3:6380 --replicas 1',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:700{0..5} --replicas 1 --dry-run --plan-out create.json',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:700{0..5} --replicas 1 --yes --json',
  ]
  static override flags = {
    'dry-run': dryRunFlag,
    'plan-out': Flags.string({description: 'Write the plan (JSON) to this file.'}),
    replicas: Flags.integer({default: 0, description: 'Replicas per master.', min: 0}),
    timeout: Flags.integer({
      default: DEFAULT_CREATE_TIMEOUT_MS,
      description: 'Milliseconds to wait for the nodes to agree, at each of the two waits.',
      min: 1,
    }),
    yes: yesFlag,
  }
  static override strict = false
  static override summary = 'Create a cluster from empty nodes.'

  async run(): Promise<CreateResult> {
    const addresses = await this.addresses()
    checkCreateShape(addresses.length, this.flags.replicas)
    const pool = await this.pool()
    const prepared = await prepareCreate(pool, addresses, this.flags.replicas)
    const base = {
      elapsedMs: 0,
      masters: summarise(prepared.layout),
      problems: [],
      warnings: [...prepared.layout.warnings],
    }
    if (prepared.state === 'created') {
      this.log(`The ${addresses.length} nodes already form the planned cluster: nothing to do.`)
      return {...base, alreadyCreated: true, created: false, dryRun: this.flags['dry-run']}
    }

    this.log(renderCreatePlan(prepared.plan, prepared.layout.warnings))
    if (this.flags['plan-out']) {
      writePlanFile(this.flags['plan-out'], prepared.plan)
      this.logToStderr(`Plan written to ${this.flags['plan-out']}`)
    }

    if (this.flags['dry-run']) {
      this.log(paint.dim('\nDry run: nothing was changed.'))
      return {...base, alreadyCreated: false, created: false, dryRun: true, plan: prepared.plan}
    }

    await confirmOrRefuse(`Create this cluster of ${addresses.length} nodes?`, {flagName: '--yes', yes: this.flags.yes})
    const {elapsedMs, problems} = await runCreatePlan(pool, prepared.plan, {
      out: this.output,
      progress: (line) => this.logToStderr(line),
      timeoutMs: this.flags.timeout,
    })
    return {...base, alreadyCreated: false, created: true, dryRun: false, elapsedMs, problems}
  }

  /** The nodes as given, checked and normalised; each once. */
  private async addresses(): Promise<string[]> {
    const {argv} = await this.parse(Create)
    const addresses = (argv as string[]).map((input) => formatAddress(parseAddress(input)))
    const twice = addresses.find((address, i) => addresses.indexOf(address) !== i)
    if (twice !== undefined) {
      throw new UsageError(`${twice} is listed twice`, {code: 'DUPLICATE_NODE', suggestions: ['Give each node once']})
    }

    return addresses
  }
}

function summarise(layout: CreateLayout): PlannedMasterSummary[] {
  return layout.masters.map((master) => ({
    address: master.address,
    replicas: master.replicas.map((replica) => replica.address),
    slots: formatRanges([master.slots]),
  }))
}
