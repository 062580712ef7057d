import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {sandboxDirFlag} from '../../flags.js'
import {sandboxStartNode} from '../../sandbox/sandbox.js'

export default class SandboxStartNode extends BaseCommand<typeof SandboxStartNode> {
  static override args = {port: Args.integer({description: 'Port of the stopped sandbox node.', required: true})}
  static override description =
    'Starts a stopped sandbox node again from its files: its nodes.conf brings it back into the cluster with its old id (a master that was failed over comes back as a replica), and its dump.rdb with the keys it last saved (a second after a write, and at shutdown).'
  static override examples = ['<%= config.bin %> <%= command.id %> 30001']
  static override flags = {dir: sandboxDirFlag}
  static override summary = 'Restart a stopped sandbox node.'

  async run(): Promise<{port: number; started: boolean}> {
    const {port} = this.args
    const started = await sandboxStartNode(await this.pool(), this.flags.dir, port)
    this.log(started ? `Started the node on port ${port}.` : `The node on port ${port} is already running.`)
    return {port, started}
  }
}
