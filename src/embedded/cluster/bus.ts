/**
 * The private cluster bus between embedded nodes: length-prefixed JSON frames over TCP on the bus port.
 * It is not Redis' binary RCmb protocol (embedded nodes cannot join real Redis nodes), but it follows the
 * same rules: MEET/PING/PONG carry the sender's role, epochs and slots plus gossip about every node it
 * knows, so peers are discovered transitively; UPDATE tells a stale node about a newer slot owner.
 */
import {createServer, type Server, Socket} from 'node:net'

import {FailureDetector} from './failure-detector.js'
import {Failover, type FailoverHooks} from './failover.js'
import {ClusterNode, type ClusterState, newNodeId, type SlotRange, toRanges} from './state.js'

type GossipEntry = {id: string; ip: string; port: number; cport: number; failing: boolean}

export type BusMessage = {
  /** auth-request, auth-ack and mfstart are Redis' FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK and MFSTART. */
  type: 'meet' | 'ping' | 'pong' | 'update' | 'fail' | 'auth-request' | 'auth-ack' | 'mfstart'
  sender: string
  ip: string
  port: number
  cport: number
  role: 'master' | 'slave'
  masterId?: string
  currentEpoch: number
  configEpoch: number
  offset: number
  slots: SlotRange[]
  gossip: GossipEntry[]
  update?: {id: string; configEpoch: number; slots: SlotRange[]}
  /** FAIL messages: the node the sender found failing. */
  failed?: string
  /** auth-request: the slots the replica claims, with its master's configEpoch. */
  claim?: {configEpoch: number; slots: SlotRange[]}
  /** auth-request of a manual failover: vote even though the master is not failing (FORCEACK). */
  forceAck?: boolean
  /** A master holding its writes for a manual failover; `offset` is where its stream stopped (PAUSED). */
  paused?: boolean
}

/** What the bus needs from its node. */
export type BusHooks = Pick<
  FailoverHooks,
  | 'dataAgeMs'
  | 'noAutomaticFailover'
  | 'nodeTimeoutMs'
  | 'pauseWrites'
  | 'replicationOffset'
  | 'unpauseWrites'
  | 'validityFactor'
> & {
  /** Writes nodes.conf now: a vote must be on disk before it is sent, as Redis fsyncs it. */
  saveConfig(): void
}

/** Real Redis nodes greet with this signature; such a link is closed, the protocols differ. */
const REDIS_BUS_SIGNATURE = 'RCmb'
const CRON_INTERVAL_MS = 100
const PING_INTERVAL_MS = 500
const RECONNECT_DELAY_MS = 200

/** No honest message comes near this; a bigger length means the peer does not speak our bus. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024

/**
 * Splits a byte stream into frames: a 4-byte big-endian length, then that much JSON. Returns undefined
 * when the stream is not ours (a real Redis node, garbage), so the caller drops the link.
 */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): BusMessage[] | undefined {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    if (this.buffer.subarray(0, 4).toString('latin1') === REDIS_BUS_SIGNATURE) return undefined
    const messages: BusMessage[] = []
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0)
      if (length > MAX_FRAME_BYTES) return undefined
      if (this.buffer.length < 4 + length) break
      try {
        messages.push(JSON.parse(this.buffer.subarray(4, 4 + length).toString('utf8')) as BusMessage)
      } catch {
        return undefined
      }

      this.buffer = this.buffer.subarray(4 + length)
    }

    return messages
  }
}

function frame(message: BusMessage): Buffer {
  const body = Buffer.from(JSON.stringify(message))
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length)
  return Buffer.concat([header, body])
}

function expandRanges(ranges: readonly SlotRange[]): number[] {
  const slots: number[] = []
  for (const [start, end] of ranges) for (let slot = start; slot <= end; slot++) slots.push(slot)
  return slots
}

type Link = {socket: Socket; node: ClusterNode; connected: boolean; meet: boolean; createdAt: number}

export class ClusterBus {
  private server: Server | undefined
  private readonly links = new Map<ClusterNode, Link>()
  private readonly inbound = new Set<Socket>()
  /** Nodes met through CLUSTER MEET: their first message is MEET, which makes them accept us. */
  private readonly pendingMeet = new Set<ClusterNode>()
  private readonly lastConnectAttempt = new Map<ClusterNode, number>()
  private cron: NodeJS.Timeout | undefined
  private broadcastScheduled = false
  /** The last slot claims applied per sender, with the slot table version they were applied to. */
  private readonly lastClaims = new WeakMap<ClusterNode, {claims: string; epoch: number; version: number}>()
  readonly stats = {received: new Map<string, number>(), sent: new Map<string, number>()}
  readonly failures: FailureDetector
  readonly failover: Failover

  constructor(
    private readonly state: ClusterState,
    private readonly host: string,
    private readonly hooks: BusHooks,
  ) {
    this.failures = new FailureDetector(state, () => hooks.nodeTimeoutMs())
    this.failover = new Failover(state, {
      ...hooks,
      askMasterToPause: (master) => this.sendTo(master, this.message('mfstart')),
      requestVotes: ({configEpoch, slots}, forceAck) =>
        this.broadcast({...this.message('auth-request'), claim: {configEpoch, slots: toRanges(slots)}, forceAck}),
    })
  }

  async listen(port: number): Promise<void> {
    const server = createServer((socket) => this.accept(socket))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({exclusive: true, host: this.host, port}, () => resolve())
    })
    this.cron = setInterval(() => this.tick(), CRON_INTERVAL_MS)
    this.cron.unref()
  }

  async close(): Promise<void> {
    if (this.cron) clearInterval(this.cron)
    for (const link of this.links.values()) link.socket.destroy()
    for (const socket of this.inbound) socket.destroy()
    this.links.clear()
    const server = this.server
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** CLUSTER MEET: a handshake node with a random id, renamed when its first PONG arrives. */
  meet(ip: string, port: number, cport: number): void {
    for (const node of this.state.nodes.values()) if (node.handshake && node.ip === ip && node.port === port) return
    const node = new ClusterNode(newNodeId(), ip, port, cport)
    node.handshake = true
    node.handshakeStartedAt = Date.now()
    this.state.addNode(node)
    this.pendingMeet.add(node)
    this.connect(node)
  }

  /** Sends our view to everyone soon (after slot or epoch changes), instead of waiting for the next ping. */
  broadcastSoon(): void {
    if (this.broadcastScheduled) return
    this.broadcastScheduled = true
    setImmediate(() => {
      this.broadcastScheduled = false
      this.broadcast(this.message('ping'))
    })
  }

  /** Our outgoing links, for CLUSTER LINKS. */
  linkDescriptions(): {node: string; createdAt: number; pending: number}[] {
    return [...this.links.values()]
      .filter((link) => link.connected && !link.node.handshake)
      .map((link) => ({createdAt: link.createdAt, node: link.node.id, pending: link.socket.writableLength}))
  }

  forgetLink(node: ClusterNode): void {
    this.failures.forget(node)
    this.links.get(node)?.socket.destroy()
    this.links.delete(node)
    this.pendingMeet.delete(node)
  }

  private tick(): void {
    const now = Date.now()
    for (const failed of this.failures.check(now)) this.broadcast({...this.message('fail'), failed: failed.id})
    this.failover.tick(now)
    // The replica taking over by manual failover hears our paused offset every tick, as in Redis.
    const {pausedFor} = this.failover
    if (pausedFor) this.sendTo(pausedFor, this.message('ping'))
    const handshakeTimeout = Math.max(this.hooks.nodeTimeoutMs(), 1000)
    for (const node of [...this.state.nodes.values()]) {
      if (node === this.state.myself) continue
      if (node.handshake && now - node.handshakeStartedAt > handshakeTimeout) {
        this.forgetLink(node)
        this.state.deleteNode(node)
        continue
      }

      const link = this.links.get(node)
      if (!link) {
        if (now - (this.lastConnectAttempt.get(node) ?? 0) >= RECONNECT_DELAY_MS) this.connect(node)
      } else if (link.connected && (node.pingSent === 0 || now - node.pingSent >= PING_INTERVAL_MS)) {
        if (node.pingSent === 0) node.pingSent = now
        this.send(link.socket, this.message(link.meet ? 'meet' : 'ping'), node)
      }
    }
  }

  private sendTo(node: ClusterNode, message: BusMessage): void {
    const link = this.links.get(node)
    if (link?.connected) this.send(link.socket, message, node)
  }

  private broadcast(message: BusMessage): void {
    for (const link of this.links.values()) if (link.connected) this.send(link.socket, message, link.node)
  }

  private connect(node: ClusterNode): void {
    if (!node.ip) return
    this.lastConnectAttempt.set(node, Date.now())
    const socket = new Socket()
    const link: Link = {connected: false, createdAt: Date.now(), meet: this.pendingMeet.has(node), node, socket}
    this.links.set(node, link)
    const reader = new FrameReader()
    socket.setNoDelay(true)
    socket.on('connect', () => {
      link.connected = true
      node.linkConnected = true
      node.pingSent = Date.now()
      this.send(socket, this.message(link.meet ? 'meet' : 'ping'), node)
    })
    socket.on('data', (chunk: Buffer) => {
      const messages = reader.push(chunk)
      if (!messages) return socket.destroy()
      this.receiveAll(messages, socket, link)
    })
    const drop = () => {
      if (this.links.get(node) === link) this.links.delete(node)
      node.linkConnected = false
    }

    socket.on('error', drop)
    socket.on('close', drop)
    socket.connect({host: node.ip, port: node.cport})
  }

  private accept(socket: Socket): void {
    this.inbound.add(socket)
    const reader = new FrameReader()
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      const messages = reader.push(chunk)
      if (!messages) return socket.destroy()
      this.receiveAll(messages, socket, undefined)
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.inbound.delete(socket))
  }

  private send(socket: Socket, message: BusMessage, node?: ClusterNode): void {
    if (node && message.type !== 'pong') node.pingSent ||= Date.now()
    this.stats.sent.set(message.type, (this.stats.sent.get(message.type) ?? 0) + 1)
    socket.write(frame(message))
  }

  private message(type: BusMessage['type']): BusMessage {
    const {myself} = this.state
    const gossip: GossipEntry[] = []
    for (const node of this.state.nodes.values()) {
      if (node !== myself && !node.handshake && node.ip)
        gossip.push({cport: node.cport, failing: node.pfail || node.fail, id: node.id, ip: node.ip, port: node.port})
    }

    return {
      configEpoch: myself.configEpoch,
      cport: myself.cport,
      currentEpoch: this.state.currentEpoch,
      gossip,
      ip: myself.ip,
      offset: this.hooks.replicationOffset(),
      port: myself.port,
      role: myself.role,
      sender: myself.id,
      slots: myself.role === 'master' ? toRanges(this.state.slotsOf(myself)) : [],
      type,
      ...(myself.masterId === undefined ? {} : {masterId: myself.masterId}),
      ...(this.failover.paused ? {paused: true} : {}),
    }
  }

  /** A message that is valid JSON but not a bus message drops the link, not the node. */
  private receiveAll(messages: BusMessage[], socket: Socket, link: Link | undefined): void {
    try {
      for (const message of messages) this.receive(message, socket, link)
    } catch {
      socket.destroy()
    }
  }

  /** clusterProcessPacket, for our message types. `link` is set when the message came on our own link. */
  private receive(message: BusMessage, socket: Socket, link: Link | undefined): void {
    this.stats.received.set(message.type, (this.stats.received.get(message.type) ?? 0) + 1)
    const {state} = this
    state.observeEpoch(message.currentEpoch)
    if (link?.node.handshake && message.type === 'pong') this.completeHandshake(link, message)
    let sender = state.node(message.sender)
    if (!sender && message.type === 'meet' && !state.isBlacklisted(message.sender)) {
      sender = new ClusterNode(message.sender, message.ip || remoteIp(socket), message.port, message.cport)
      state.addNode(sender)
      state.changed()
    }

    if (message.type === 'meet' || message.type === 'ping') this.send(socket, this.message('pong'))
    if (!sender || sender.handshake || sender === state.myself) return
    if (link && message.type === 'pong') {
      sender.pongReceived = Date.now()
      sender.pingSent = 0
      if (link.meet) {
        link.meet = false
        this.pendingMeet.delete(link.node)
      }
    }

    const now = Date.now()
    this.failures.heardFrom(sender, now)
    this.updateSender(sender, message)
    for (const entry of message.gossip) {
      const known = state.node(entry.id)
      if (known) this.failures.gossip(sender, known, entry.failing, now)
      else this.learn(entry)
    }

    if (message.paused) this.failover.masterPaused(sender, message.offset)
    this.handle(message, sender, socket, now)
  }

  /** What each message type asks for, beyond the header every message carries. */
  private handle(message: BusMessage, sender: ClusterNode, socket: Socket, now: number): void {
    const {failover, state} = this
    switch (message.type) {
      case 'update': {
        if (message.update) this.applyUpdate(message.update)
        break
      }

      case 'fail': {
        const failed = message.failed ? state.node(message.failed) : undefined
        if (failed) this.failures.markFailed(failed, now)
        break
      }

      case 'auth-request': {
        const claim = message.claim ?? {configEpoch: 0, slots: []}
        const request = {
          configEpoch: claim.configEpoch,
          currentEpoch: message.currentEpoch,
          forceAck: message.forceAck === true,
          slots: expandRanges(claim.slots),
        }
        if (!failover.vote(sender, request, now)) break
        this.hooks.saveConfig()
        this.send(socket, this.message('auth-ack'))
        break
      }

      case 'auth-ack': {
        failover.voteReceived(sender, message.currentEpoch)
        break
      }

      case 'mfstart': {
        failover.masterPauseRequested(sender, now)
        // At once, so the replica learns our paused offset without waiting for the next tick.
        if (failover.pausedFor === sender) this.send(socket, this.message('ping'))
        break
      }

      default:
    }
  }

  private completeHandshake(link: Link, message: BusMessage): void {
    const {state} = this
    const known = state.node(message.sender)
    if (known && known !== link.node) {
      this.forgetLink(link.node)
      state.deleteNode(link.node)
      return
    }

    state.rename(link.node, message.sender)
    link.node.handshake = false
    state.changed()
  }

  private updateSender(sender: ClusterNode, message: BusMessage): void {
    const {state} = this
    if (sender.ip !== message.ip && message.ip) sender.ip = message.ip
    if (message.role === 'slave') {
      const lostSlots = sender.role === 'master' ? state.slotsOf(sender) : []
      for (const slot of lostSlots) state.assignSlot(slot, undefined)
      // Our master gave its last slot away and follows the taker: so do we, as we would had the taker's claim
      // reached us first (the two messages race; losing the race must not leave us replicating a replica).
      if (lostSlots.length > 0 && state.myself.masterId === sender.id && message.masterId) {
        state.myself.masterId = message.masterId
      }

      if (sender.role !== 'slave' || sender.masterId !== message.masterId) {
        sender.role = 'slave'
        sender.masterId = message.masterId
        state.changed()
      }
    } else if (sender.role === 'slave') {
      sender.role = 'master'
      sender.masterId = undefined
      state.changed()
    }

    sender.replicationOffset = message.offset
    if (sender.role !== 'master') return
    if (sender.configEpoch !== message.configEpoch) {
      sender.configEpoch = message.configEpoch
      state.changed()
    }

    // The same claims against an unchanged slot table cannot change anything: skip the per-slot work.
    const claims = JSON.stringify(message.slots)
    const seen = this.lastClaims.get(sender)
    if (seen?.claims === claims && seen.version === state.slotVersion && seen.epoch === sender.configEpoch) {
      state.resolveEpochCollision(sender)
      return
    }

    const newer = state.applySlotClaims(sender, expandRanges(message.slots))
    this.lastClaims.set(sender, {claims, epoch: sender.configEpoch, version: state.slotVersion})
    const link = this.links.get(sender)
    if (link?.connected) {
      for (const owner of newer) {
        const update = {configEpoch: owner.configEpoch, id: owner.id, slots: toRanges(state.slotsOf(owner))}
        this.send(link.socket, {...this.message('update'), update}, sender)
      }
    }

    state.resolveEpochCollision(sender)
  }

  private learn(entry: GossipEntry): void {
    const {state} = this
    if (entry.id === state.myself.id || state.node(entry.id) || state.isBlacklisted(entry.id)) return
    for (const node of state.nodes.values())
      if (node.handshake && node.ip === entry.ip && node.port === entry.port) return
    state.addNode(new ClusterNode(entry.id, entry.ip, entry.port, entry.cport))
    state.changed()
  }

  private applyUpdate(update: NonNullable<BusMessage['update']>): void {
    const node = this.state.node(update.id)
    if (!node || node.configEpoch >= update.configEpoch) return
    node.configEpoch = update.configEpoch
    this.state.applySlotClaims(node, expandRanges(update.slots))
    this.state.changed()
  }
}

function remoteIp(socket: Socket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:/, '')
}
