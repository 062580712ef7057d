/** Starting and stopping one embedded node: client port, cluster bus, nodes.conf, timers. */
import {ClientState} from './client.js'
import {ClusterBus} from './cluster/bus.js'
import {loadClusterConfig, saveClusterConfig, saveClusterConfigSoon} from './cluster/persistence.js'
import {BUS_PORT_OFFSET, ClusterNode, ClusterState, newNodeId} from './cluster/state.js'
import {execute} from './commands/dispatch.js'
import {ReplicationLink} from './replication.js'
import {NodeRuntime, type NodeSettings} from './runtime.js'
import {listenForClients} from './server.js'
import {loadSnapshot, SaveSchedule, saveSnapshot} from './snapshot.js'

export type EmbeddedNodeOptions = {
  /** Loopback address to listen on (127.0.0.0/8 or ::1); default 127.0.0.1. */
  host?: string
  port: number
  /** Cluster bus port; default port + 10000. */
  busPort?: number
  /** Where nodes.conf and dump.rdb live; without it neither the configuration nor the keys are persisted. */
  dir?: string
  /**
   * With a directory: save the keys this long after a write, besides on close (see snapshot.ts). Without it,
   * keys are saved on close only, and a crash loses what changed since the node started.
   */
  saveDelayMs?: number
  password?: string
  /** cluster-node-timeout; default 15000. */
  nodeTimeoutMs?: number
  /** Default true. */
  clusterEnabled?: boolean
}

export type EmbeddedNode = {
  readonly host: string
  readonly port: number
  /** The cluster node id ('' when cluster mode is off); it changes after CLUSTER RESET HARD. */
  readonly id: string
  /** Stops the node, saving its keys to its directory. */
  close(): Promise<void>
  /** Settles once the node is closed, by close() or by a SHUTDOWN command. */
  readonly closed: Promise<void>
}

/** Active expiry and replication follow-up run this often. */
const CRON_INTERVAL_MS = 100

/** The embedded node has no TLS and no ACLs: it only ever listens on the loopback interface. */
function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1'
}

function settingsFrom(options: EmbeddedNodeOptions): NodeSettings {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host)) throw new Error(`embedded nodes listen on loopback addresses only, not ${host}`)
  return {
    busPort: options.busPort ?? options.port + BUS_PORT_OFFSET,
    clusterEnabled: options.clusterEnabled ?? true,
    dir: options.dir,
    host,
    nodeTimeoutMs: options.nodeTimeoutMs ?? 15_000,
    password: options.password,
    port: options.port,
    saveDelayMs: options.saveDelayMs,
  }
}

/** Cluster state, restored from nodes.conf when the directory has one, saved after every change. */
function setUpCluster(runtime: NodeRuntime): ClusterState {
  const {settings} = runtime
  const myself = new ClusterNode(newNodeId(), settings.host, settings.port, settings.busPort)
  const cluster = new ClusterState(myself)
  const {dir} = settings
  if (dir) loadClusterConfig(dir, cluster)
  myself.ip = settings.host
  myself.port = settings.port
  myself.cport = settings.busPort
  cluster.onSlotLost = (slot) => {
    if (runtime.keyspace.deleteKeysInSlot(slot) > 0) runtime.writes++
  }

  runtime.saveConfig = () => {
    if (dir) saveClusterConfig(dir, cluster)
  }

  cluster.onChange = (announce) => {
    if (announce) runtime.bus?.broadcastSoon()
    if (dir) saveClusterConfigSoon(dir, cluster)
  }

  runtime.saveConfig()
  return cluster
}

/**
 * Keeps the replication link pointed at our master (or closed when we are a master). The offset carries over:
 * a promoted replica goes on numbering its stream from where its master's left off, as Redis does.
 */
function followMaster(runtime: NodeRuntime): void {
  const cluster = runtime.cluster
  if (!cluster) return
  const {myself} = cluster
  const master = myself.role === 'slave' ? cluster.masterOf(myself) : undefined
  let link = runtime.replicationLink
  const offset = replicationOffset(runtime)
  if (link && (!master || link.host !== master.ip || link.port !== master.port)) {
    link.stop()
    link = undefined
    if (!master) runtime.replication.offset = Math.max(runtime.replication.offset, offset)
  }

  if (!link && master?.ip) {
    const stream = new ClientState(`${master.ip}:${master.port}`, false)
    stream.isMaster = true
    const apply = (args: Buffer[]) => {
      void execute(runtime, stream, args)
      stream.reply.truncate(0)
    }

    link = new ReplicationLink(master.ip, master.port, runtime.password, apply, offset)
  }

  runtime.replicationLink = link
  myself.replicationOffset = replicationOffset(runtime)
}

/** Ours: what we applied from our master as a replica, what we produced as a master. */
function replicationOffset(runtime: NodeRuntime): number {
  return runtime.replicationLink ? runtime.replicationLink.offset : runtime.replication.offset
}

/**
 * Saves db 0 to dump.rdb when there are unsaved writes: at once when `now` (shutdown), else when the schedule
 * says so. A no-op without a directory.
 */
function keySaver(runtime: NodeRuntime): (now: boolean) => void {
  const {dir, saveDelayMs} = runtime.settings
  if (!dir) return () => {}
  const schedule = new SaveSchedule(saveDelayMs ?? Infinity)
  return (now) => {
    const startedAt = Date.now()
    if (now ? !schedule.unsaved(runtime.writes) : !schedule.due(runtime.writes, startedAt)) return
    try {
      saveSnapshot(dir, runtime.keyspace)
      schedule.saved(runtime.writes, startedAt, Date.now())
    } catch (error) {
      // Like Redis when a background save fails: say so and keep serving; the next save tries again.
      process.stderr.write(`cannot save the keys to ${dir}: ${(error as Error).message}\n`)
    }
  }
}

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<EmbeddedNode> {
  const runtime = new NodeRuntime(settingsFrom(options))
  const {settings} = runtime
  if (settings.dir) loadSnapshot(settings.dir, runtime.keyspace)
  if (settings.clusterEnabled) runtime.cluster = setUpCluster(runtime)
  const listener = await listenForClients(runtime, settings.host, settings.port)
  const cluster = runtime.cluster
  if (cluster) {
    const bus = new ClusterBus(cluster, settings.host, {
      dataAgeMs: () => runtime.replicationLink?.dataAgeMs(Date.now()) ?? Number.POSITIVE_INFINITY,
      noAutomaticFailover: () => runtime.config.get('cluster-replica-no-failover') === 'yes',
      nodeTimeoutMs: () => runtime.nodeTimeoutMs,
      pauseWrites: (ms) => runtime.pauseWrites(ms),
      replicationOffset: () => replicationOffset(runtime),
      saveConfig: () => runtime.saveConfig(),
      unpauseWrites: () => runtime.unpauseWrites(),
      validityFactor: () => Number(runtime.config.get('cluster-replica-validity-factor')),
    })
    try {
      await bus.listen(settings.busPort)
    } catch (error) {
      await listener.close()
      throw error
    }

    runtime.bus = bus
  }

  const saveKeys = keySaver(runtime)
  const cron = setInterval(() => {
    for (const keyspace of runtime.databases) keyspace.activeExpireCycle()
    followMaster(runtime)
    saveKeys(false)
  }, CRON_INTERVAL_MS)
  cron.unref()
  let closing: Promise<void> | undefined
  const close = async (save: boolean) => {
    clearInterval(cron)
    runtime.migrateConnections.closeAll()
    runtime.replicationLink?.stop()
    await Promise.all([listener.close(), runtime.bus?.close()])
    runtime.saveConfig()
    if (save) saveKeys(true)
  }

  let markClosed = () => {}
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve
  })
  const closeOnce = (save: boolean) => {
    closing ??= close(save).finally(markClosed)
    return closing
  }

  // After the reply to SHUTDOWN is on its way: Redis answers nothing, the connection just closes.
  runtime.shutdown = (save) => setImmediate(() => void closeOnce(save))
  return {
    close: () => closeOnce(true),
    closed,
    host: settings.host,
    get id() {
      return runtime.cluster?.myself.id ?? ''
    },
    port: settings.port,
  }
}
