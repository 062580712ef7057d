import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import type {Finding} from '../cluster/checks.js'
import {nodeArg} from '../flags.js'
import {backupCluster, type SavedRdb} from '../ops/backup.js'
import {renderFindings} from '../ui/cluster-view.js'
import {paint} from '../ui/colour.js'
import {renderTable} from '../ui/table.js'

export type BackupResult = {
  dir: string
  elapsedMs: number
  /** What check found when the backup was taken (also in nodes.json). */
  findings: Finding[]
  manifest: string
  rdbs: SavedRdb[]
}

export default class Backup extends BaseCommand<typeof Backup> {
  static override args = {
    address: nodeArg('Any node of the cluster, host:port.'),
    dir: Args.string({description: 'Directory to write into (created if needed).', required: true}),
  }
  static override description = `Takes an RDB snapshot of every master at the same time, over the replication protocol (SYNC, as redis-cli --rdb does), into DIR/redis-node-HOST-PORT-ID.rdb, and writes the topology (every node's id, role, master, config epoch, slots and open slots, plus what check found) to DIR/nodes.json.

Exit status: 0 every master saved, 1 a master could not be saved, 2 bad arguments (DIR cannot be created), 3 ADDR cannot be reached.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 ./backup-$(date +%F)',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 /var/backups/redis --json',
  ]
  static override flags = {
    'idle-timeout': Flags.integer({
      default: 60_000,
      description: 'Milliseconds a master may send nothing (while it writes its RDB) before the backup gives up.',
      min: 1,
    }),
  }
  static override summary = 'Back up every master (RDB) and the topology (JSON).'

  async run(): Promise<BackupResult> {
    const started = Date.now()
    const {dir} = this.args
    const {manifest, rdbs} = await backupCluster(await this.pool(), this.args.address, dir, {
      idleTimeoutMs: this.flags['idle-timeout'],
    })
    this.log(
      renderTable(
        ['MASTER', 'FILE', 'BYTES'],
        rdbs.map((rdb) => [rdb.address, rdb.file, rdb.bytes]),
      ),
    )
    if (manifest.findings.length > 0) {
      this.log(`\n${renderFindings(manifest.findings)}`)
      this.warn('the cluster had problems when the backup was taken (listed above and in nodes.json)')
    }

    const elapsedMs = Date.now() - started
    this.log(
      paint.green(`\n✔ ${rdbs.length} masters and nodes.json saved into ${dir} in ${(elapsedMs / 1000).toFixed(1)} s.`),
    )
    return {dir, elapsedMs, findings: manifest.findings, manifest: 'nodes.json', rdbs: [...rdbs]}
  }
}
