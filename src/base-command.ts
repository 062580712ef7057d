import {Command, Errors, type Interfaces} from '@oclif/core'

import type {Output} from './actions/output.js'
import {ExitCode, SlotctlError, UsageError} from './cluster/errors.js'
import {connectionFlags} from './flags.js'
import {NodePool} from './redis/connection.js'
import {ReaderPool} from './redis/reader-pool.js'
import {type ConnectionSettings, connectionSettingsFrom} from './redis/settings.js'
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
  private nodePool: Promise<NodePool> | undefined
  private readerPool: Promise<ReaderPool> | undefined
  private settings: Promise<ConnectionSettings> | undefined

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
    const pools = [this.nodePool, this.readerPool]
    await Promise.all(pools.map(async (pending) => (await pending?.catch(() => undefined))?.close()))
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
  protected pool(): Promise<NodePool> {
    this.nodePool ??= this.connectionSettings().then((settings) => new NodePool(settings))
    return this.nodePool
  }

  /** Connections for commands that only read the cluster: much quicker to load than the pool (see ReaderPool). */
  protected reader(): Promise<ReaderPool> {
    this.readerPool ??= this.connectionSettings().then((settings) => new ReaderPool(settings))
    return this.readerPool
  }

  /** The settings from the connection flags, asking for the password once when --askpass says so. */
  private connectionSettings(): Promise<ConnectionSettings> {
    this.settings ??= (async () => {
      const flags = this.flags as CommandFlags<typeof BaseCommand>
      const settings = connectionSettingsFrom(flags, flags.password)
      return flags.askpass ? {...settings, password: await askPassword()} : settings
    })()
    return this.settings
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
