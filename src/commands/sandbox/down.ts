import {BaseCommand} from '../../base-command.js'
import {sandboxDirFlag} from '../../flags.js'
import {sandboxDown} from '../../sandbox/sandbox.js'

export type SandboxDownResult = {dir: string; stopped: number[]}

export default class SandboxDown extends BaseCommand<typeof SandboxDown> {
  static override description =
    'Stops the nodes this sandbox started (recognised by the process ids it recorded, never by name) and removes their files and its state file.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dir /tmp/cluster',
  ]
  static override flags = {dir: sandboxDirFlag}
  static override summary = 'Stop the sandbox and remove its files.'

  async run(): Promise<SandboxDownResult> {
    const stopped = await sandboxDown(this.flags.dir)
    this.log(
      `Stopped ${stopped.length} ${stopped.length === 1 ? 'node' : 'nodes'} and removed the sandbox in ${this.flags.dir}.`,
    )
    return {dir: this.flags.dir, stopped}
  }
}
