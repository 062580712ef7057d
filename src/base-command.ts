import {Command, Errors, type Interfaces} from '@oclif/core'

import type {Output} from './actions/output.js'
import {ExitCode, SlotctlError, UsageError} from './cluster/errors.js'
import {connectionFlags} from './flags.js'
import {NodePool} from './redis/connection.js'
import {connectionSettingsFrom} from './redis/settings.js'
import {errorDocument, errorLines} from './ui/errors.js'
import {canPrompt} from './ui/prompt.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * What every slotctl command shares: connection flags, `--json`, one pool of node connections that is
 * always closed, and exit codes that survive `--json` (oclif's own catch only reads err.exitCode).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {...connectionFlags}
  static override enableJsonFlag = true

  protected args!: CommandArgs<T>
  protected flags!: CommandFlags<T>
  private openPool: NodePool | undefined

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (error instanceof SlotctlError) {
      process.exitCode = error.exit
      if (this.jsonEnabled()) this.logJson(errorDocument(error))
      else for (const line of errorLines(error)) this.logToStderr(line)
      return undefined
    }

    // Every oclif parser error is a usage error, but some (a value outside a flag's options) get oclif's
    // default exit code, which package.json sets to 1 for runtime failures.
    if ('parse' in error) {
      process.exitCode = ExitCode.Usage
      return super.catch(new Errors.CLIError(error.message, {exit: ExitCode.Usage}))
    }

    process.exitCode ??= (error as Errors.CLIError).oclif?.exit ?? error.exitCode ?? ExitCode.Failure
    return super.catch(error)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.openPool?.close()
    return super.finally(error)
  }

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.args = args as CommandArgs<T>
    this.flags = flags as CommandFlags<T>
  }

  /** Where the shared actions write their human-readable lines. */
  protected get output(): Output {
    return {log: (text) => this.log(text)}
  }

  /** The shared connection pool, built from the connection flags on first use. */
  protected async pool(): Promise<NodePool> {
    if (this.openPool) return this.openPool
    const flags = this.flags as CommandFlags<typeof BaseCommand>
    const settings = connectionSettingsFrom(flags, flags.password)
    this.openPool = new NodePool(flags.askpass ? {...settings, password: await askPassword()} : settings)
    return this.openPool
  }
}

async function askPassword(): Promise<string> {
  if (!canPrompt()) {
    throw new UsageError('--askpass needs a terminal to ask on', {
      code: 'NO_TERMINAL',
      suggestions: ['Pass the password in REDISCLI_AUTH instead (it stays out of the process list)'],
    })
  }

  // Loaded only when asked for: prompts must not slow down commands that never prompt.
  const {password} = await import('@inquirer/prompts')
  return password({mask: false, message: 'Password:'}, {output: process.stderr})
}
