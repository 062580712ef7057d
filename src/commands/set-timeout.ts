import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {ExitCode, UsageError} from '../cluster/errors.js'
import {nodeArg} from '../flags.js'
import {compareAddresses} from '../cluster/address.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {type CurrentTimeout, readNodeTimeouts, setNodeTimeout, type TimeoutResult} from '../ops/nodes.js'
import {readCluster} from '../redis/discover.js'
import {paint} from '../ui/colour.js'
import {renderTable} from '../ui/table.js'

/** --dry-run: each node's timeout now (null where it could not be read); nothing was set. */
export type PlannedTimeout = {dryRun: true; milliseconds: number; nodes: CurrentTimeout[]}

export type SetTimeoutResult = {
  failed: number
  milliseconds: number
  nodes: Array<TimeoutResult | {address: string; error: string; persisted: false; set: false}>
  notPersisted: number
}

/** Below this, nodes flag each other as failing on an ordinary pause (redis-cli refuses it too). */
const MINIMUM_MS = 100

export default class SetTimeout extends BaseCommand<typeof SetTimeout> {
  static override args = {
    address: nodeArg('Any node of the cluster, host:port.'),
    milliseconds: Args.integer({
      description: 'The new cluster-node-timeout, in milliseconds (100 or more).',
      required: true,
    }),
  }
  static override description = `Sets cluster-node-timeout on every node at once with CONFIG SET, then saves it with CONFIG REWRITE where the node allows it (a node started without a config file keeps the new value only until it restarts; the table says so). Shows the result per node; --dry-run shows each node's timeout now and changes nothing.

Exit status: 0 set on every node, 1 some node did not take it or could not be reached, 2 bad arguments, 3 ADDR cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 5000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 15000 --json',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 5000 --dry-run',
  ]
  static override flags = {
    'dry-run': Flags.boolean({default: false, description: "Show each node's timeout now and change nothing."}),
  }
  static override summary = 'Set cluster-node-timeout on every node.'

  async run(): Promise<PlannedTimeout | SetTimeoutResult> {
    const ms = this.args.milliseconds
    if (ms < MINIMUM_MS) {
      throw new UsageError(`MILLISECONDS ${ms} is too short: nodes would flag each other as failing on any pause`, {
        code: 'TIMEOUT_TOO_SHORT',
        suggestions: [`Give ${MINIMUM_MS} ms or more; 15000 is the Redis default`],
      })
    }

    const snapshot = await readCluster(await this.pool(), this.args.address)
    if (this.flags['dry-run']) return this.planned(snapshot, ms)
    const nodes = [
      ...(await setNodeTimeout(
        await this.pool(),
        snapshot.nodes.map((node) => node.address),
        ms,
      )),
      ...snapshot.unreachable.map((node) => ({
        address: node.address,
        error: `not reachable: ${node.error}`,
        persisted: false as const,
        set: false as const,
      })),
    ]
    this.log(
      renderTable(
        ['NODE', 'SET', 'SAVED'],
        nodes.map((node) => [node.address, setCell(node), savedCell(node)]),
      ),
    )
    const failed = nodes.filter((node) => !node.set).length
    const notPersisted = nodes.filter((node) => node.set && !node.persisted).length
    if (failed > 0) process.exitCode = ExitCode.Failure
    this.log(
      failed > 0
        ? paint.red(`\n✘ ${failed} of ${nodes.length} nodes kept their old timeout`)
        : paint.green(
            `\n✔ cluster-node-timeout is ${ms} ms on all ${nodes.length} nodes${notPersisted > 0 ? `; ${notPersisted} keep it only until they restart` : ''}`,
          ),
    )
    return {failed, milliseconds: ms, nodes, notPersisted}
  }

  /** Each node's cluster-node-timeout now, beside the one it would get. */
  private async planned(snapshot: ClusterSnapshot, ms: number): Promise<PlannedTimeout> {
    const nodes: CurrentTimeout[] = [
      ...(await readNodeTimeouts(
        await this.pool(),
        snapshot.nodes.map((node) => node.address),
      )),
      ...snapshot.unreachable.map((node) => ({address: node.address, current: null, error: 'not reachable'})),
    ].sort((a, b) => compareAddresses(a.address, b.address))
    const cell = (node: CurrentTimeout) => node.error ?? `${node.current} ms`
    this.log(
      renderTable(
        ['NODE', 'NOW', 'WOULD BE'],
        nodes.map((node) => [node.address, cell(node), `${ms} ms`]),
      ),
    )
    this.log(paint.dim('\nDry run: nothing was changed.'))
    return {dryRun: true, milliseconds: ms, nodes}
  }
}

const setCell = (node: {error?: string; set: boolean}) => (node.set ? 'yes' : paint.red(`no: ${node.error ?? ''}`))
const savedCell = (node: {persisted: boolean; reason?: string; set: boolean}) =>
  node.persisted ? 'yes' : node.set ? paint.yellow(`no: ${node.reason ?? ''}`) : '-'
