import {check} from '../actions/check.js'
import {info} from '../actions/info.js'
import {keyslot} from '../actions/keyslot.js'
import type {Output} from '../actions/output.js'
import {formatAddress, parseAddress} from '../cluster/address.js'
import {ExitCode, SlotctlError} from '../cluster/errors.js'
import {ReaderPool} from '../redis/reader-pool.js'
import {type ConnectionFlags, connectionSettingsFrom} from '../redis/settings.js'
import {errorDocument, errorLines} from '../ui/errors.js'
import type {FlagValues, ParsedInput} from './parse.js'

type ExpressContext = {input: ParsedInput; out: Output; pool: () => Promise<ReaderPool>}

/** Per command: undefined when its arguments are not for the express lane, else the run. */
const expressCommands: Record<string, (context: ExpressContext) => (() => Promise<unknown>) | undefined> = {
  check: ({input, out, pool}) =>
    withAddress(input, async (address) => {
      const searchMultipleOwners = input.flags['search-multiple-owners'] === true
      return check(await pool(), {address, searchMultipleOwners}, out)
    }),
  info: ({input, out, pool}) => withAddress(input, async (address) => info(await pool(), address, out)),
  keyslot:
    ({input, out, pool}) =>
    () =>
      keyslot(pool, input.argv, out),
}

/** The run, given the command's node address; undefined for a malformed one, which oclif's parser reports. */
function withAddress(
  input: ParsedInput,
  run: (address: string) => Promise<unknown>,
): (() => Promise<unknown>) | undefined {
  try {
    const address = input.argv[0] === undefined ? undefined : formatAddress(parseAddress(input.argv[0]))
    return address === undefined ? undefined : () => run(address)
  } catch {
    return undefined
  }
}

/** Runs a parsed express command and reports as oclif's path would; false when it declines after all. */
export async function runCommand(id: string, input: ParsedInput): Promise<boolean> {
  const json = input.flags.json === true
  const pool = new LazyPool(input.flags)
  const run = expressCommands[id]?.({input, out: outputFor(json), pool: () => pool.get()})
  if (run === undefined) return false
  try {
    const result = await run()
    if (json) writeLine(process.stdout, JSON.stringify(result, null, 2))
  } catch (error) {
    report(error instanceof SlotctlError ? error : unexpected(error), json)
  } finally {
    await pool.close()
  }

  return true
}

function outputFor(json: boolean): Output {
  return {log: json ? () => {} : (text) => writeLine(process.stdout, text)}
}

/** The connection pool, built from the flags on first use (a bad TLS flag fails then, as on oclif's path). */
class LazyPool {
  private pool: ReaderPool | undefined

  constructor(private readonly flags: FlagValues) {}

  async close(): Promise<void> {
    await this.pool?.close()
  }

  async get(): Promise<ReaderPool> {
    const password = typeof this.flags.password === 'string' ? this.flags.password : undefined
    this.pool ??= new ReaderPool(connectionSettingsFrom(this.flags as unknown as ConnectionFlags, password))
    return this.pool
  }
}

function report(error: SlotctlError, json: boolean): void {
  process.exitCode = error.exit
  if (json) writeLine(process.stdout, JSON.stringify(errorDocument(error), null, 2))
  else for (const line of errorLines(error)) writeLine(process.stderr, line)
}

function unexpected(error: unknown): SlotctlError {
  return new SlotctlError(error instanceof Error ? error.message : String(error), ExitCode.Failure)
}

function writeLine(stream: NodeJS.WriteStream, text: string): void {
  stream.write(`${text}\n`)
}
