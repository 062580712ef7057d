import {isIP} from 'node:net'

import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {formatAddress, parseAddress} from '../cluster/address.js'
import type {NodeRef} from '../cluster/checks.js'
import {hashTag, keyHashSlot} from '../cluster/keyslot.js'
import {isMyself, type NodeLine} from '../cluster/nodes.js'
import {addressOf, readNode} from '../redis/discover.js'
import {renderTable} from '../ui/table.js'

export type KeySlot = {
  /** The part of the key that was hashed, when the key has a hash tag. */
  hashTag?: string
  key: string
  /** Given a node: the master that node says owns the slot, or null when it knows none. */
  owner?: NodeRef | null
  slot: number
}

export type KeyslotResult = {keys: KeySlot[]; node?: string}

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
    const words = argv.map(String)
    const last = words.at(-1)
    const node = words.length > 1 && last !== undefined ? asNode(last) : undefined
    const keys = node === undefined ? words : words.slice(0, -1)
    const slots: KeySlot[] = keys.map((key) => {
      const tag = hashTag(key)
      return {key, slot: keyHashSlot(key), ...(tag === undefined ? {} : {hashTag: tag})}
    })
    if (node === undefined) {
      this.log(
        renderTable(
          ['KEY', 'SLOT', 'HASHED'],
          slots.map((k) => [k.key, k.slot, k.hashTag ?? '(whole key)']),
        ),
      )
      return {keys: slots}
    }

    const owners = await this.ownersFrom(node)
    const owned = slots.map((k) => ({...k, owner: owners(k.slot)}))
    const rows = owned.map((k) => [k.key, k.slot, k.hashTag ?? '(whole key)', k.owner ? k.owner.address : 'none'])
    this.log(renderTable(['KEY', 'SLOT', 'HASHED', 'OWNER'], rows))
    return {keys: owned, node}
  }

  /** Slot -> owning master, as `node` sees the cluster. */
  private async ownersFrom(node: string): Promise<(slot: number) => NodeRef | null> {
    const pool = await this.pool()
    const reading = await readNode(await pool.connect(node), node)
    const masters = reading.view.filter((line) => line.role === 'master')
    const refOf = (line: NodeLine): NodeRef => ({
      address: isMyself(line) ? reading.address : addressOf(line),
      id: line.id,
    })
    return (slot) => {
      const owner = masters.find((line) => line.slots.some((range) => range.start <= slot && slot <= range.end))
      return owner ? refOf(owner) : null
    }
  }
}

/** The argument as a node address when it clearly is one (see the description), normalised; else undefined. */
function asNode(word: string): string | undefined {
  try {
    const address = parseAddress(word)
    const named = address.host === 'localhost' || /^[a-z\d-]+(\.[a-z\d-]+)+$/i.test(address.host)
    return isIP(address.host) !== 0 || named ? formatAddress(address) : undefined
  } catch {
    return undefined
  }
}
