import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {sandboxDirFlag} from '../../flags.js'
import {sandboxStopNode} from '../../sandbox/sandbox.js'

export default class SandboxStopNode extends BaseCommand<typeof SandboxStopNode> {
  static override args = {port: Args.integer({description: 'Port of the sandbox node to crash.', required: true})}
  static override description =
    'Kills one sandbox node with SIGKILL, like a crash: no shutdown and no save, its files stay. After cluster-node-timeout the others mark it failed and, for a master with a replica, the replica takes over. Bring it back with sandbox start-node.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 30001',
    '<%= config.bin %> <%= command.id %> 30001 && sleep 5 && <%= config.bin %> check 127.0.0.1:30002',
  ]
  static override flags = {dir: sandboxDirFlag}
  static override summary = 'Crash one sandbox node (SIGKILL).'

  async run(): Promise<{port: number; wasRunning: boolean}> {
    const {port} = this.args
    const wasRunning = await sandboxStopNode(this.flags.dir, port)
    this.log(wasRunning ? `Killed the node on port ${port}.` : `The node on port ${port} was not running.`)
    return {port, wasRunning}
  }
}
