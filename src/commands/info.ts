import {info, type InfoResult} from '../actions/info.js'
import {BaseCommand} from '../base-command.js'
import {nodeArg} from '../flags.js'

export type {InfoResult, MasterInfo} from '../actions/info.js'

export default class Info extends BaseCommand<typeof Info> {
  static override args = {address: nodeArg('Any node of the cluster, host:port.')}
  static override description =
    'Per master: keys (DBSIZE), slots, replicas and memory in use; then the totals. Keys are counted on masters only.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --json | jq .totals.keys',
  ]
  static override summary = 'Show keys, slots, replicas and memory per master.'

  async run(): Promise<InfoResult> {
    return info(await this.reader(), this.args.address, this.output)
  }
}
