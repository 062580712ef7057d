import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../cluster/errors.js'
import {compareAddresses} from '../cluster/address.js'
import {nodeArg} from '../flags.js'
import {callEach, type NodeReply} from '../ops/nodes.js'
import {readCluster} from '../redis/discover.js'
import {paint} from '../ui/colour.js'
import {renderTable} from '../ui/table.js'

export type CallResult = {
  command: string[]
  errors: number
  results: Array<{address: string; error?: string; reply?: unknown; role: 'master' | 'replica' | 'unknown'}>
}

export default class Call extends BaseCommand<typeof Call> {
  static override args = {
    address: nodeArg('Any node of the cluster, host:port.'),
    command: Args.string({description: 'The command to send, then its arguments.', required: true}),
  }
  static override description = `Sends the same command to every node of the cluster (or only the masters, or only the replicas) at the same time and shows each node's reply in a table, or as JSON with --json. Arguments that start with a dash go after --.

Exit status: 0 every node answered, 1 at least one node answered with an error or could not be reached, 2 bad arguments, 3 ADDR cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 DBSIZE',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 CONFIG GET maxmemory --masters',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --json -- INFO replication',
  ]
  static override flags = {
    masters: Flags.boolean({default: false, description: 'Only the masters.', exclusive: ['replicas']}),
    replicas: Flags.boolean({default: false, description: 'Only the replicas.', exclusive: ['masters']}),
  }
  static override strict = false
  static override summary = 'Run a command on every node of a cluster.'

  async run(): Promise<CallResult> {
    const {argv} = await this.parse(Call)
    const [, ...command] = argv as [string, string, ...string[]]
    const snapshot = await readCluster(await this.pool(), this.args.address)
    const role = this.flags.masters ? 'master' : this.flags.replicas ? 'replica' : undefined
    const targets = snapshot.nodes.filter((node) => role === undefined || node.self.role === role)
    const roles = new Map(targets.map((node) => [node.address, node.self.role]))
    const unreachable = role === undefined ? snapshot.unreachable : []
    const replies = [
      ...(await callEach(await this.pool(), [...roles.keys()], command as [string, ...string[]])),
      ...unreachable.map((node) => ({address: node.address, error: `not reachable: ${node.error}`})),
    ]
    const results = replies
      .map((reply) => ({...reply, role: roles.get(reply.address) ?? ('unknown' as const)}))
      .sort((a, b) => compareAddresses(a.address, b.address))
    const errors = results.filter((result) => 'error' in result).length
    this.log(
      renderTable(
        ['NODE', 'ROLE', 'REPLY'],
        results.map((result) => [result.address, result.role, shown(result)]),
      ),
    )
    if (errors > 0) {
      this.logToStderr(paint.red(`${errors} of ${results.length} nodes answered with an error`))
      process.exitCode = ExitCode.Failure
    }

    return {command, errors, results}
  }
}

/** A reply as redis-cli --raw would print it: arrays one element per line, errors as their text. */
function shown(reply: NodeReply): string {
  return 'error' in reply ? paint.red(`(error) ${reply.error}`) : formatReply(reply.reply)
}

export function formatReply(reply: unknown): string {
  if (reply === null || reply === undefined) return '(nil)'
  if (Array.isArray(reply))
    return reply.length === 0 ? '(empty array)' : reply.map((item) => formatReply(item)).join('\n')
  if (Buffer.isBuffer(reply)) return reply.toString()
  return String(reply).replaceAll('\r\n', '\n').trimEnd()
}
