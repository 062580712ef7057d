import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {sandboxDirFlag} from '../../flags.js'
import {sandboxDown} from '../../sandbox/sandbox.js'

export type SandboxDownResult = {dir: string; purged: boolean; stopped: number[]}

export default class SandboxDown extends BaseCommand<typeof SandboxDown> {
  static override description =
    'Stops the nodes this sandbox started (recognised by the process ids it recorded, never by name) with SIGTERM, so that each saves its keys, and keeps their files: sandbox up starts the same cluster again, keys included. --purge removes the files and the state file as well.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dir /tmp/cluster --purge',
  ]
  static override flags = {
    dir: sandboxDirFlag,
    purge: Flags.boolean({
      default: false,
      description:
        "Also remove the sandbox's files: its nodes, keys and state. Refused, the files kept, while a node it could not stop still runs.",
    }),
  }
  static override summary = 'Stop the sandbox (its files stay, unless --purge).'

  async run(): Promise<SandboxDownResult> {
    const {dir, purge} = this.flags
    const stopped = await sandboxDown(dir, {purge})
    const nodes = `${stopped.length} ${stopped.length === 1 ? 'node' : 'nodes'}`
    this.log(
      purge
        ? `Stopped ${nodes} and removed the sandbox in ${dir}.`
        : `Stopped ${nodes}; the sandbox's files stay in ${dir}: slotctl sandbox up${dir === sandboxDirFlag.default ? '' : ` --dir ${dir}`} starts it again.`,
    )
    return {dir, purged: purge, stopped}
  }
}
