import {Flags} from '@oclif/core'
import {Presets, SingleBar} from 'cli-progress'

import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../cluster/errors.js'
import {formatAddress, parseAddress} from '../cluster/address.js'
import {dryRunFlag, nodeArg} from '../flags.js'
import {type ImportCounts, prepareImport, runImport} from '../ops/import.js'
import {NodePool} from '../redis/connection.js'
import type {ConnectionSettings} from '../redis/settings.js'
import {paint} from '../ui/colour.js'

export type ImportResult =
  | (ImportCounts & {elapsedMs: number; from: string})
  /** --dry-run: the checks passed and nothing moved. */
  | {dryRun: true; elapsedMs: number; from: string; sourceKeys: number}

export default class Import extends BaseCommand<typeof Import> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description = `Copies or moves every key of db 0 of a standalone Redis (--from) into the cluster: SCAN, then MIGRATE ... KEYS to the master that owns each key's slot, up to --batch keys per round trip. MIGRATE deletes a key on the source only once its owner has it (with --copy, never), so an interrupted import loses nothing: run it again to finish.

--dry-run makes the same checks (a healthy cluster, a standalone source that answers) and says how many keys would move, changing nothing.

A key the cluster already has is left on the source, unless the two values are identical (then it counts as already there) or --replace is given. The cluster's credentials (--password, --user) go into each MIGRATE; the source's are --from-password (or REDISCLI_FROM_AUTH) and --from-user. Progress shows on a terminal.

Exit status: 0 every key is in the cluster, 1 some keys were left on the source (the report says which and why), 2 bad arguments (the source is a cluster node), 3 a node or the source cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --from 127.0.0.1:6379',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --from 127.0.0.1:6379 --dry-run',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --from 10.0.0.5:6379 --copy --replace',
    'REDISCLI_FROM_AUTH=... <%= config.bin %> <%= command.id %> 127.0.0.1:7000 --from 10.0.0.5:6379 --json',
  ]
  static override flags = {
    'dry-run': dryRunFlag,
    batch: Flags.integer({default: 100, description: 'Keys per MIGRATE.', max: 10_000, min: 1}),
    copy: Flags.boolean({default: false, description: 'Leave the keys on the source (MIGRATE COPY).'}),
    from: Flags.string({
      description: 'The standalone Redis to read, host:port.',
      parse: async (input) => formatAddress(parseAddress(input)),
      required: true,
    }),
    'from-password': Flags.string({description: 'Password of the source.', env: 'REDISCLI_FROM_AUTH'}),
    'from-user': Flags.string({description: 'ACL user of the source.'}),
    replace: Flags.boolean({default: false, description: 'Overwrite keys the cluster already has (MIGRATE REPLACE).'}),
    timeout: Flags.integer({default: 10_000, description: 'MIGRATE timeout, in milliseconds, per batch.', min: 1}),
  }
  static override summary = 'Import the keys of a standalone Redis into the cluster.'

  async run(): Promise<ImportResult> {
    const started = Date.now()
    const pool = await this.pool()
    const source = new NodePool(this.sourceSettings(pool.settings))
    try {
      const prepared = await prepareImport(pool, source, this.args.address, this.flags.from)
      const what = `${prepared.sourceKeys} keys from ${this.flags.from}${this.flags.copy ? ' (copy)' : ''}`
      if (this.flags['dry-run']) {
        this.log(`Would import ${what} into the cluster of ${prepared.snapshot.seed}.`)
        this.log(paint.dim('Dry run: nothing was changed.'))
        return {dryRun: true, elapsedMs: Date.now() - started, from: this.flags.from, sourceKeys: prepared.sourceKeys}
      }

      this.log(`Importing ${what}.`)
      const bar = progressBar(prepared.sourceKeys)
      const counts = await runImport(pool, source, this.flags.from, prepared, {
        batchSize: this.flags.batch,
        copy: this.flags.copy,
        onProgress: (settled) => bar?.increment(settled),
        replace: this.flags.replace,
        timeoutMs: this.flags.timeout,
      }).finally(() => bar?.stop())
      const elapsedMs = Date.now() - started
      this.report(counts, elapsedMs)
      return {...counts, elapsedMs, from: this.flags.from}
    } finally {
      await source.close()
    }
  }

  /** The cluster's TLS and timeouts, with the source's own credentials (or none). */
  private sourceSettings(cluster: ConnectionSettings): ConnectionSettings {
    const {password: _password, user: _user, ...rest} = cluster
    return {
      ...rest,
      ...(this.flags['from-password'] ? {password: this.flags['from-password']} : {}),
      ...(this.flags['from-user'] ? {user: this.flags['from-user']} : {}),
    }
  }

  private report(counts: ImportCounts, elapsedMs: number): void {
    const left = counts.busy + counts.failed
    const rate = Math.round(counts.moved / Math.max(elapsedMs / 1000, 0.001))
    this.log(
      `${counts.moved} moved, ${counts.alreadyThere} already there, ${counts.busy} busy, ${counts.failed} failed (${rate} keys/s)`,
    )
    for (const {key, reason} of counts.samples) this.log(`  ${paint.yellow(key)}: ${reason}`)
    if (left > 0) {
      process.exitCode = ExitCode.Failure
      this.log(
        paint.red(
          `✘ ${left} keys stayed on the source${counts.busy > 0 ? '; --replace overwrites the cluster copy' : ''}`,
        ),
      )
      return
    }

    this.log(paint.green(`✔ every key of ${this.flags.from} is in the cluster, in ${(elapsedMs / 1000).toFixed(1)} s.`))
  }
}

/** Keys settled out of the source's count, on stderr and only on a terminal. */
function progressBar(total: number): SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined
  const bar = new SingleBar(
    {format: '{bar} {value}/{total} keys | {eta_formatted}', stream: process.stderr},
    Presets.shades_classic,
  )
  bar.start(Math.max(total, 1), 0)
  return bar
}
