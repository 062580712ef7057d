/**
 * The cluster as one node sees it: the node table (with flags and ping/pong times, ready for failure
 * detection), who owns each hash slot, open slots, and the epochs. The rules that change it (Redis'
 * config-epoch rules) live here too; the bus only feeds them messages and the CLUSTER command calls them.
 */
import {randomBytes} from 'node:crypto'

import {SLOT_COUNT} from '../../cluster/keyslot.js'

export const BUS_PORT_OFFSET = 10_000
/** How long a forgotten node is kept out of gossip, so that it does not come straight back. */
const FORGET_BLACKLIST_MS = 60_000

export function newNodeId(): string {
  return randomBytes(20).toString('hex')
}

export class ClusterNode {
  role: 'master' | 'slave' = 'master'
  /** The master's id when this is a replica (it may not be in the table yet). */
  masterId: string | undefined
  configEpoch = 0
  /** Unix ms of the ping we wait an answer for, 0 when none. */
  pingSent = 0
  pongReceived = 0
  linkConnected = false
  /** Still waiting for the first PONG that reveals its real id after CLUSTER MEET. */
  handshake = false
  handshakeStartedAt = 0
  /** Failure flags: kept and shown, set by the failure detector of a later version. */
  pfail = false
  fail = false
  replicationOffset = 0

  constructor(
    public id: string,
    public ip: string,
    public port: number,
    public cport: number,
  ) {}

  get isMaster(): boolean {
    return this.role === 'master'
  }
}

export type SlotRange = [number, number]

/** Consecutive runs of slots, as CLUSTER NODES and the bus write them. */
export function toRanges(slots: readonly number[]): SlotRange[] {
  const ranges: SlotRange[] = []
  for (const slot of slots) {
    const last = ranges.at(-1)
    if (last && last[1] === slot - 1) last[1] = slot
    else ranges.push([slot, slot])
  }

  return ranges
}

export class ClusterState {
  readonly nodes = new Map<string, ClusterNode>()
  currentEpoch = 0
  lastVoteEpoch = 0
  readonly owners: (ClusterNode | undefined)[] = new Array<ClusterNode | undefined>(SLOT_COUNT).fill(undefined)
  readonly migratingTo = new Map<number, ClusterNode>()
  readonly importingFrom = new Map<number, ClusterNode>()
  private readonly blacklist = new Map<string, number>()
  /** Called after every change that must reach nodes.conf; `announce`: the other nodes should hear of it now. */
  onChange: (announce: boolean) => void = () => {}
  /** Called when this node loses slots it may still hold keys for. */
  onSlotLost: (slot: number) => void = () => {}

  constructor(public myself: ClusterNode) {
    this.nodes.set(myself.id, myself)
  }

  private okCache: boolean | undefined

  changed(): void {
    this.okCache = undefined
    this.onChange(true)
  }

  /**
   * A migrating or importing marker changed: nodes.conf keeps it, but no message between nodes carries it
   * (nor does Redis' gossip), so announcing it would only cost every peer a message to parse.
   */
  markersChanged(): void {
    this.onChange(false)
  }

  node(id: string): ClusterNode | undefined {
    return this.nodes.get(id)
  }

  masterOf(node: ClusterNode): ClusterNode | undefined {
    return node.masterId === undefined ? undefined : this.nodes.get(node.masterId)
  }

  replicasOf(master: ClusterNode): ClusterNode[] {
    return [...this.nodes.values()].filter((node) => node.role === 'slave' && node.masterId === master.id)
  }

  /** Bumped whenever a slot changes owner; caches derived from the owner table compare it. */
  slotVersion = 0
  /**
   * Each node's slots in order: found by a scan of the owner table on first use, then kept up to date slot
   * by slot, since nodes.conf and every bus message list them after each SETSLOT of a reshard. A list once
   * handed out (`shared`) is changed by copy, as its holder may be iterating it.
   */
  private readonly slotLists = new Map<ClusterNode, {slots: number[]; shared: boolean}>()

  slotsOf(node: ClusterNode): readonly number[] {
    let list = this.slotLists.get(node)
    if (!list) {
      const slots: number[] = []
      for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owners[slot] === node) slots.push(slot)
      list = {shared: false, slots}
      this.slotLists.set(node, list)
    }

    list.shared = true
    return list.slots
  }

  private updateSlotList(node: ClusterNode | undefined, slot: number, owned: boolean): void {
    const list = node && this.slotLists.get(node)
    if (!list) return
    if (list.shared) list.slots = [...list.slots]
    list.shared = false
    const {slots} = list
    let low = 0
    let high = slots.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (slots[middle]! < slot) low = middle + 1
      else high = middle
    }

    const present = slots[low] === slot
    if (owned && !present) slots.splice(low, 0, slot)
    else if (!owned && present) slots.splice(low, 1)
  }

  /** The configEpoch a node advertises: a replica advertises its master's. */
  effectiveEpoch(node: ClusterNode): number {
    if (node.role === 'slave') return this.masterOf(node)?.configEpoch ?? node.configEpoch
    return node.configEpoch
  }

  /**
   * Sets a slot's owner. A slot taken from us by the cluster loses its keys here, as in Redis; `keepKeys`
   * is for CLUSTER DELSLOTS, which in Redis only unassigns the slot and leaves its keys alone.
   */
  assignSlot(slot: number, node: ClusterNode | undefined, {keepKeys = false} = {}): void {
    const previous = this.owners[slot]
    this.owners[slot] = node
    this.slotVersion++
    this.okCache = undefined
    if (previous !== node) {
      this.updateSlotList(previous, slot, false)
      this.updateSlotList(node, slot, true)
    }

    if (previous === this.myself && node !== this.myself && !keepKeys) this.onSlotLost(slot)
  }

  /** ok when every slot is served by a master that is not failing (cluster-require-full-coverage). */
  get stateOk(): boolean {
    this.okCache ??=
      this.owners.length === SLOT_COUNT && this.owners.every((owner) => owner !== undefined && !owner.fail)
    return this.okCache
  }

  /** Masters that serve at least one slot. */
  get size(): number {
    return new Set(this.owners.filter((owner) => owner !== undefined)).size
  }

  maxConfigEpoch(): number {
    let max = 0
    for (const node of this.nodes.values()) max = Math.max(max, node.configEpoch)
    return max
  }

  /**
   * clusterBumpConfigEpochWithoutConsensus: take a new, unique configEpoch if ours is 0 or not the
   * highest. Returns whether it changed.
   */
  bumpConfigEpoch(): boolean {
    const max = this.maxConfigEpoch()
    if (this.myself.configEpoch !== 0 && this.myself.configEpoch === max) return false
    this.currentEpoch++
    this.myself.configEpoch = this.currentEpoch
    this.changed()
    return true
  }

  /** Makes this node a replica of `master`: no slots, no open slots. */
  setMaster(master: ClusterNode): void {
    for (const slot of this.slotsOf(this.myself)) this.assignSlot(slot, undefined)
    this.migratingTo.clear()
    this.importingFrom.clear()
    this.myself.role = 'slave'
    this.myself.masterId = master.id
    this.changed()
  }

  addNode(node: ClusterNode): void {
    this.nodes.set(node.id, node)
  }

  /** Removes a node and everything that points at it (CLUSTER FORGET, handshake timeouts). */
  deleteNode(node: ClusterNode): void {
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owners[slot] === node) this.owners[slot] = undefined
    this.slotVersion++
    this.slotLists.delete(node)
    this.okCache = undefined
    for (const map of [this.migratingTo, this.importingFrom])
      for (const [slot, peer] of map) if (peer === node) map.delete(slot)
    this.nodes.delete(node.id)
  }

  forget(node: ClusterNode): void {
    this.blacklist.set(node.id, Date.now() + FORGET_BLACKLIST_MS)
    this.deleteNode(node)
    this.changed()
  }

  isBlacklisted(id: string): boolean {
    const until = this.blacklist.get(id)
    if (until === undefined) return false
    if (until > Date.now()) return true
    this.blacklist.delete(id)
    return false
  }

  /** CLUSTER RESET: forget everyone, drop all slots; HARD also takes a new id and zeroes the epochs. */
  reset(hard: boolean): void {
    if (this.myself.role === 'slave') {
      this.myself.role = 'master'
      this.myself.masterId = undefined
    }

    this.owners.fill(undefined)
    this.slotVersion++
    this.slotLists.clear()
    this.migratingTo.clear()
    this.importingFrom.clear()
    for (const node of [...this.nodes.values()]) if (node !== this.myself) this.nodes.delete(node.id)
    this.blacklist.clear()
    if (hard) {
      this.currentEpoch = 0
      this.lastVoteEpoch = 0
      this.myself.configEpoch = 0
      this.myself.id = newNodeId()
      this.nodes.clear()
      this.nodes.set(this.myself.id, this.myself)
    }

    this.changed()
  }

  /** Renames a handshake node once its real id is known. */
  rename(node: ClusterNode, id: string): void {
    this.nodes.delete(node.id)
    node.id = id
    this.nodes.set(id, node)
  }

  /**
   * clusterUpdateSlotsConfigWith: `sender` (a master) claims `slots` with its configEpoch. A slot moves to
   * it when unassigned or held by a master with a smaller configEpoch; importing slots are left alone.
   * Returns the owners that beat the claim (the sender is out of date: they deserve an UPDATE).
   */
  applySlotClaims(sender: ClusterNode, slots: readonly number[]): ClusterNode[] {
    const newer = new Set<ClusterNode>()
    const myselfHadSlots = this.slotsOf(this.myself).length > 0
    const myMaster = this.myself.role === 'slave' ? this.masterOf(this.myself) : this.myself
    let lostToSender = false
    let changed = false
    for (const slot of slots) {
      const owner = this.owners[slot]
      if (owner === sender || this.importingFrom.has(slot)) continue
      if (owner === undefined || owner.configEpoch < sender.configEpoch) {
        if (owner === myMaster) lostToSender = true
        this.assignSlot(slot, sender)
        changed = true
      } else if (owner.configEpoch > sender.configEpoch) newer.add(owner)
    }

    if (changed) {
      const ownSlots = this.slotsOf(this.myself).length
      if (this.myself.role === 'master' && myselfHadSlots && ownSlots === 0 && lostToSender) {
        // A master that lost its last slot follows the node that took it (replica migration).
        this.setMaster(sender)
      } else if (this.myself.role === 'slave' && lostToSender && myMaster && this.slotsOf(myMaster).length === 0) {
        this.myself.masterId = sender.id
      }

      this.changed()
    }

    return [...newer]
  }

  /**
   * clusterHandleConfigEpochCollision: two masters with the same configEpoch; the one with the smaller
   * id takes a new epoch, so every slot owner ends up with a unique one.
   */
  resolveEpochCollision(sender: ClusterNode): void {
    if (sender.configEpoch !== this.myself.configEpoch || !sender.isMaster || !this.myself.isMaster) return
    if (sender.id <= this.myself.id) return
    this.currentEpoch++
    this.myself.configEpoch = this.currentEpoch
    this.changed()
  }

  observeEpoch(currentEpoch: number): void {
    if (currentEpoch > this.currentEpoch) {
      this.currentEpoch = currentEpoch
      this.changed()
    }
  }
}
