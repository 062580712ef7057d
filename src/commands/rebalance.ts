import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {UsageError} from '../cluster/errors.js'
import {capabilitiesOf} from '../cluster/capabilities/index.js'
import {assertHealthy, buildMovePlan, type MovePlan, type MoveStep} from '../cluster/move-plan.js'
import {type HeavySlot, type KeyRebalancePlan, planRebalanceByKeys} from '../cluster/rebalance-by-keys.js'
import {
  type MasterBalance,
  planRebalance,
  type RebalancePlan,
  type RebalanceRequest,
  type RebalanceUnit,
} from '../cluster/rebalance-plan.js'
import type {MasterSlots} from '../cluster/reshard-plan.js'
import {resolveMaster} from '../cluster/resolve-node.js'
import {type ClusterSnapshot, masters, seedView} from '../cluster/snapshot.js'
import {nodeArg} from '../flags.js'
import {deliverMovePlan, migrationSettingsFrom, moveFlags, type MovePlanOutcome} from '../move-command.js'
import {keysInOwnedSlots, withKeyEstimates} from '../ops/engine/estimate.js'
import type {NodePool} from '../redis/connection.js'
import {readCluster} from '../redis/discover.js'
import {paint} from '../ui/colour.js'
import {nodeNamer, renderMovePlan} from '../ui/move-plan-view.js'
import {renderTable} from '../ui/table.js'

export type RebalanceResult = {
  balance: readonly MasterBalance[]
  /** With --by keys: slots too big to split that kept a master outside its tolerance (see planRebalanceByKeys). */
  heavySlots?: readonly HeavySlot[]
  /** What balance, share and tolerance count: slots, or keys with --by keys. */
  unit: RebalanceUnit
} & (MovePlanOutcome | {balanced: boolean})

export default class Rebalance extends BaseCommand<typeof Rebalance> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description = `Moves slots, with their keys, so that every master holds its weighted share of the slots to within --threshold percent, with the fewest slot moves: masters within their tolerance keep their slots, and the slots that move are ends or whole ranges of what a master holds, so that slots stay in few contiguous ranges. --threshold 0 balances exactly.

With --by keys the masters are balanced by the keys they hold instead (weights and --threshold count keys): each master's slots are counted first (CLUSTER SLOT-STATS on Valkey 8 and later, one COUNTKEYSINSLOT per slot elsewhere), and slots move whole, so a slot holding more keys than a tolerance leaves the masters as close as whole slots allow; the command names such slots.

Masters weigh 1 unless --weight says otherwise; weight 0 empties a master (before removing it). Masters without slots are left out unless --use-empty-masters is given (after add-node) or they are given a weight.

The moves run on the migration engine (parallel, journalled): --dry-run shows the plan and the balance it leads to, --plan-out saves it for "slotctl apply", and a run stopped by Ctrl-C or a crash continues with "slotctl apply PLAN --resume". A cluster with open slots or other problems is refused: run "slotctl fix" first.

Exit status: 0 done or already balanced, 1 the cluster has problems or a move failed, 2 bad arguments, 3 cannot connect, 130 stopped by Ctrl-C (resumable).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --use-empty-masters --yes',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --weight 3f2a=0 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --weight 127.0.0.1:7001=2 --threshold 5 --plan-out rebalance.json',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --by keys --threshold 10 --dry-run',
  ]
  static override flags = {
    ...moveFlags,
    by: Flags.option({
      default: 'slots',
      description: 'What to even out: the slots each master holds, or the keys in them.',
      options: ['slots', 'keys'] as const,
    })(),
    threshold: Flags.string({
      default: '2',
      description: 'How far in percent a master may be from its share and still count as balanced (0: exactly).',
    }),
    'use-empty-masters': Flags.boolean({
      default: false,
      description: 'Give slots to masters that have none (a master just added).',
    }),
    weight: Flags.string({
      description: 'ID=W: the weight of a master (id, unique id prefix or host:port); 0 empties it. Repeatable.',
      multiple: true,
    }),
  }
  static override summary = 'Even out the slots, or the keys, across masters, by weight.'

  async run(): Promise<RebalanceResult> {
    const pool = await this.pool()
    const snapshot = await readCluster(pool, this.args.address)
    const weights = this.weights(snapshot)
    assertHealthy(snapshot)
    const owners = masters(snapshot).map((node) => ({id: node.self.id, slots: node.self.slots}))
    const request = {
      threshold: parseThreshold(this.flags.threshold),
      useEmptyMasters: this.flags['use-empty-masters'],
      weights,
    }
    const planned: RebalancePlan & {heavySlots?: readonly HeavySlot[]} =
      this.flags.by === 'keys' ? await this.byKeys(pool, snapshot, owners, request) : planRebalance(owners, request)
    const {balance, heavySlots, steps, unit} = planned
    const byKeys = heavySlots ? {heavySlots} : {}
    const nameOf = nodeNamer(snapshot)
    this.log(renderBalance(balance, unit, nameOf))
    const heavy = heavySlots !== undefined && heavySlots.length > 0
    if (heavy) this.warn(heavyNote(heavySlots, balance))
    if (steps.length === 0) {
      this.log(
        heavy
          ? '\nNothing to move: whole slots cannot bring the masters nearer their shares of the keys.'
          : paint.green(`\n✔ Every master is within ${this.flags.threshold}% of its share: nothing to move.`),
      )
      return {balance, balanced: !heavy, ...byKeys, unit}
    }

    const plan = await this.plan(snapshot, steps, unit)
    if (this.flags['dry-run'] || this.flags['plan-out'] || !this.flags.yes)
      this.log(`\n${renderMovePlan(plan, nameOf)}`)
    const outcome = await deliverMovePlan(this, pool, plan, {
      dryRun: this.flags['dry-run'],
      planOut: this.flags['plan-out'],
      question: 'Rebalance with these moves?',
      yes: this.flags.yes,
    })
    return {balance, ...byKeys, unit, ...outcome}
  }

  /**
   * The plan by keys, from each master's key count per slot (read from the masters in parallel). Masters
   * without CLUSTER SLOT-STATS answer one COUNTKEYSINSLOT per slot: say so, it is slower on big clusters.
   */
  private async byKeys(
    pool: NodePool,
    snapshot: ClusterSnapshot,
    owners: readonly MasterSlots[],
    request: RebalanceRequest,
  ): Promise<KeyRebalancePlan> {
    const readings = masters(snapshot)
    const slow = readings.filter((node) => !capabilitiesOf(node.server).slotStats)
    if (slow.length > 0) {
      const shown = slow.slice(0, 3).map((node) => node.address)
      const names =
        slow.length === readings.length
          ? 'every master'
          : `${shown.join(', ')}${slow.length > shown.length ? ` and ${slow.length - shown.length} more` : ''}`
      this.warn(
        `keys are counted slot by slot with COUNTKEYSINSLOT on ${names}: no CLUSTER SLOT-STATS there (Valkey 8+)`,
      )
    }

    return planRebalanceByKeys(owners, await keysInOwnedSlots(pool, readings), request)
  }

  /** The move plan; by keys, the planner already knows what each step moves. */
  private async plan(snapshot: ClusterSnapshot, steps: readonly MoveStep[], unit: RebalanceUnit): Promise<MovePlan> {
    const settings = migrationSettingsFrom(this.flags)
    const estimated = unit === 'keys' ? steps : await withKeyEstimates(await this.pool(), snapshot, steps)
    return buildMovePlan(snapshot, 'rebalance', estimated, settings, new Date())
  }

  /** `--weight ID=W` entries resolved to master ids; naming a master twice is an error, not "last wins". */
  private weights(snapshot: ClusterSnapshot): Map<string, number> {
    const weights = new Map<string, number>()
    for (const entry of this.flags.weight ?? []) {
      const at = entry.lastIndexOf('=')
      const value = Number(entry.slice(at + 1))
      if (at <= 0 || entry.slice(at + 1).trim() === '' || !Number.isFinite(value) || value < 0) {
        throw new UsageError(`--weight ${entry} is not ID=W with W a number of 0 or more`, {
          code: 'BAD_WEIGHT',
          suggestions: ['Give --weight 3f2a=2 or --weight 127.0.0.1:7001=0 (0 empties that master)'],
        })
      }

      const {id} = resolveMaster(seedView(snapshot), entry.slice(0, at), '--weight')
      if (weights.has(id)) {
        throw new UsageError(`--weight names master ${id.slice(0, 8)} twice`, {
          code: 'BAD_WEIGHT',
          suggestions: ['Give one --weight per master'],
        })
      }

      weights.set(id, value)
    }

    return weights
  }
}

function parseThreshold(text: string): number {
  const value = Number(text.replace(/%$/, ''))
  if (text.trim() !== '' && Number.isFinite(value) && value >= 0 && value <= 100) return value
  throw new UsageError(`--threshold ${text} is not a percentage from 0 to 100`, {
    code: 'BAD_THRESHOLD',
    suggestions: ['Give --threshold 2 (the default), or 0 to balance exactly'],
  })
}

/** Each master's weight, share, slots (or keys) now and after the plan, and how far from its share it ends up. */
function renderBalance(balance: readonly MasterBalance[], unit: RebalanceUnit, nameOf: (id: string) => string): string {
  const off = (slots: number, share: number) =>
    share === 0 ? (slots === 0 ? '0%' : '∞') : `${(((slots - share) / share) * 100).toFixed(2)}%`
  const rows = balance.map((m) => [
    nameOf(m.id),
    m.weight,
    m.share,
    m.before,
    off(m.before, m.share),
    m.after,
    off(m.after, m.share),
  ])
  const what = unit.toUpperCase()
  return renderTable(['MASTER', 'WEIGHT', 'SHARE', `${what} NOW`, 'OFF', `${what} AFTER`, 'OFF AFTER'], rows)
}

/** Why some masters stay outside their tolerance: the biggest slots, which cannot be split. */
function heavyNote(heavy: readonly HeavySlot[], balance: readonly MasterBalance[]): string {
  const outside = balance.filter((m) => Math.abs(m.after - m.share) > m.tolerance)
  const tolerance = Math.min(...outside.map((m) => m.tolerance))
  const slots = heavy.map((slot) => `slot ${slot.slot} holds ${slot.keys} keys`).join(', ')
  return `${slots}: more than a tolerance of ${tolerance} keys, and a slot moves whole, so ${outside.length} master(s) end as close to their share as whole slots allow`
}
