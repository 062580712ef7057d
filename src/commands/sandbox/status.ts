import {BaseCommand} from '../../base-command.js'
import {sandboxDirFlag} from '../../flags.js'
import type {EngineName} from '../../sandbox/engine.js'
import {type NodeStatus, roleOf, sandboxStatus} from '../../sandbox/sandbox.js'
import {paint} from '../../ui/colour.js'
import {renderTable} from '../../ui/table.js'

export type SandboxNodeSummary = {
  address: string
  clusterState?: string
  /** The address of its master, for a replica. */
  master?: string
  pid: null | number
  port: number
  role?: 'master' | 'replica'
  running: boolean
  slots?: string
}

export type SandboxStatusResult = {dir: string; engine: EngineName; nodes: SandboxNodeSummary[]}

export default class SandboxStatus extends BaseCommand<typeof SandboxStatus> {
  static override description =
    "Lists the sandbox's nodes: whether each process runs, and what each node says about its role, slots and cluster_state."
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {dir: sandboxDirFlag}
  static override summary = 'Show the sandbox nodes.'

  async run(): Promise<SandboxStatusResult> {
    const {nodes, state} = await sandboxStatus(await this.pool(), this.flags.dir)
    const summaries = nodes.map((node) => summarise(node))
    const rows = summaries.map((n) => [
      n.address,
      n.pid ?? '-',
      n.running ? paint.green('running') : paint.red('stopped'),
      n.role ?? '-',
      n.role === 'replica' ? `of ${n.master ?? '?'}` : (n.slots ?? '-'),
      n.clusterState ?? '-',
    ])
    this.log(`Sandbox in ${this.flags.dir} (${state.engine}):\n`)
    this.log(renderTable(['NODE', 'PID', 'PROCESS', 'ROLE', 'SLOTS / MASTER', 'CLUSTER'], rows))
    return {dir: this.flags.dir, engine: state.engine, nodes: summaries}
  }
}

function summarise({address, clusterState, pid, port, reading, running}: NodeStatus): SandboxNodeSummary {
  return {address, pid, port, running, ...(clusterState ? {clusterState} : {}), ...(reading ? roleOf(reading) : {})}
}
