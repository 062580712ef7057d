import {Args} from '@oclif/core'

import {keyslot, type KeyslotResult} from '../actions/keyslot.js'
import {BaseCommand} from '../base-command.js'

export type {KeySlot, KeyslotResult} from '../actions/keyslot.js'

export default class Keyslot extends BaseCommand<typeof Keyslot> {
  static override args = {
    key: Args.string({
      description: 'Keys to hash; when the last argument is a node (IP or host name with a port), who owns each slot.',
      required: true,
    }),
  }
  static override description = `Prints the hash slot of each key as Redis Cluster computes it (CRC16 of the key modulo 16384, or of its hash tag: the bytes between the first { and the next }, when there are any). Given a node as the last argument, it also reads that node's view of the cluster and names the master that owns each slot.

The last argument counts as a node when there are two or more arguments and it reads as host:port with an IP address, localhost or a dotted host name (127.0.0.1:7000, [::1]:7000, redis-1.example.com:6379). A key shaped like that can be given on its own.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> user:1000',
    '<%= config.bin %> <%= command.id %> {user:1000}.cart {user:1000}.profile 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> session:42 127.0.0.1:7000 --json | jq .keys[0].owner.address',
  ]
  static override strict = false
  static override summary = 'Show the hash slot of keys and, given a node, the master that owns it.'

  async run(): Promise<KeyslotResult> {
    const {argv} = await this.parse(Keyslot)
    return keyslot(() => this.reader(), argv.map(String), this.output)
  }
}
