import {isIP} from 'node:net'

import {formatAddress, parseAddress} from '../cluster/address.js'
import type {NodeRef} from '../cluster/checks.js'
import {hashTag, keyHashSlot} from '../cluster/keyslot.js'
import {isMyself, type NodeLine} from '../cluster/nodes.js'
import type {ClusterReader} from '../redis/discover.js'
import {renderTable} from '../ui/table.js'
import type {Output} from './output.js'

export type KeySlot = {
  /** The part of the key that was hashed, when the key has a hash tag. */
  hashTag?: string
  key: string
  /** Given a node: the master that node says owns the slot, or null when it knows none. */
  owner?: NodeRef | null
  slot: number
}

export type KeyslotResult = {keys: KeySlot[]; node?: string}

/** `slotctl keyslot`: each word's hash slot; when the last of several words is a node, each slot's owner too. */
export async function keyslot(pool: () => Promise<ClusterReader>, words: string[], out: Output): Promise<KeyslotResult> {
  const last = words.at(-1)
  const node = words.length > 1 && last !== undefined ? asNode(last) : undefined
  const keys = node === undefined ? words : words.slice(0, -1)
  const slots: KeySlot[] = keys.map((key) => {
    const tag = hashTag(key)
    return {key, slot: keyHashSlot(key), ...(tag === undefined ? {} : {hashTag: tag})}
  })
  if (node === undefined) {
    out.log(
      renderTable(
        ['KEY', 'SLOT', 'HASHED'],
        slots.map((k) => [k.key, k.slot, k.hashTag ?? '(whole key)']),
      ),
    )
    return {keys: slots}
  }

  const owners = await ownersFrom(await pool(), node)
  const owned = slots.map((k) => ({...k, owner: owners(k.slot)}))
  const rows = owned.map((k) => [k.key, k.slot, k.hashTag ?? '(whole key)', k.owner ? k.owner.address : 'none'])
  out.log(renderTable(['KEY', 'SLOT', 'HASHED', 'OWNER'], rows))
  return {keys: owned, node}
}

/** Slot -> owning master, as `node` sees the cluster. */
async function ownersFrom(pool: ClusterReader, node: string): Promise<(slot: number) => NodeRef | null> {
  // Loaded here: hashing keys alone never needs the connection layer.
  const {addressOf, readNode} = await import('../redis/discover.js')
  const reading = await readNode(pool, node)
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

/** The argument as a node address when it clearly is one (see the command's description), normalised; else undefined. */
function asNode(word: string): string | undefined {
  try {
    const address = parseAddress(word)
    const named = address.host === 'localhost' || /^[a-z\d-]+(\.[a-z\d-]+)+$/i.test(address.host)
    return isIP(address.host) !== 0 || named ? formatAddress(address) : undefined
  } catch {
    return undefined
  }
}
