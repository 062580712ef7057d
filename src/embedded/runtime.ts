/**
 * Everything one embedded node holds: its keyspace, cluster state and bus, settings and clients. Commands
 * receive it in their context; the TCP server and the bus are wired to it by the node (node.ts).
 */
import {randomBytes} from 'node:crypto'

import type {ClientState} from './client.js'
import type {ClusterBus} from './cluster/bus.js'
import type {ClusterState} from './cluster/state.js'
import {Keyspace} from './keyspace.js'
import {KeysInFlight, MigrateConnectionCache} from './migrate-client.js'
import {type ReplicationLink, ReplicationSource} from './replication.js'

export const REDIS_VERSION = '7.0.15'

export type NodeSettings = {
  host: string
  port: number
  busPort: number
  dir: string | undefined
  password: string | undefined
  nodeTimeoutMs: number
  clusterEnabled: boolean
  /** See EmbeddedNodeOptions.saveDelayMs. */
  saveDelayMs: number | undefined
}

/** CONFIG GET/SET parameters this node knows, with Redis' defaults. */
function defaultConfig(settings: NodeSettings): Map<string, string> {
  return new Map([
    ['appendonly', 'no'],
    ['bind', settings.host],
    ['cluster-allow-reads-when-down', 'no'],
    ['cluster-allow-replica-migration', 'yes'],
    ['cluster-announce-ip', settings.host],
    ['cluster-announce-bus-port', String(settings.busPort)],
    ['cluster-config-file', 'nodes.conf'],
    ['cluster-enabled', settings.clusterEnabled ? 'yes' : 'no'],
    ['cluster-migration-barrier', '1'],
    ['cluster-node-timeout', String(settings.nodeTimeoutMs)],
    ['cluster-replica-no-failover', 'no'],
    ['cluster-replica-validity-factor', '10'],
    ['cluster-require-full-coverage', 'yes'],
    ['databases', '1'],
    ['dir', settings.dir ?? process.cwd()],
    ['maxmemory', '0'],
    ['port', String(settings.port)],
    ['proto-max-bulk-len', '536870912'],
    ['requirepass', settings.password ?? ''],
    ['save', ''],
    ['timeout', '0'],
  ])
}

/** Standalone nodes have Redis' 16 databases; cluster nodes only db 0. */
const STANDALONE_DATABASES = 16

export class NodeRuntime {
  readonly databases: Keyspace[]
  readonly config: Map<string, string>
  readonly clients = new Set<ClientState>()
  readonly startedAt = Date.now()
  readonly runId = randomBytes(20).toString('hex')
  readonly stats = {commands: 0, connections: 0, rejectedCalls: 0}
  /** Write commands run so far (client and replication stream alike): what is unsaved shows here. */
  writes = 0
  readonly migrateConnections = new MigrateConnectionCache()
  readonly keysInFlight = new KeysInFlight()
  readonly replication = new ReplicationSource()
  /** The stream from our master while this node is a replica. */
  replicationLink: ReplicationLink | undefined
  cluster: ClusterState | undefined
  bus: ClusterBus | undefined
  /** Persists the cluster configuration (nodes.conf) now. */
  saveConfig: () => void = () => {}
  /** SHUTDOWN: closes the node, saving its keys unless `save` is false (NOSAVE). */
  shutdown: (save: boolean) => void = () => {}
  /** Set while client writes are paused (a manual failover on this master); resolves when they resume. */
  writesPaused: Promise<void> | undefined
  private resumeWrites: (() => void) | undefined
  private pauseTimer: NodeJS.Timeout | undefined

  constructor(readonly settings: NodeSettings) {
    this.config = defaultConfig(settings)
    const count = settings.clusterEnabled ? 1 : STANDALONE_DATABASES
    this.databases = Array.from({length: count}, () => new Keyspace())
    this.config.set('databases', String(count))
  }

  /** Holds client writes for up to `ms` (Redis' CLIENT PAUSE WRITE), until unpauseWrites. */
  pauseWrites(ms: number): void {
    this.writesPaused ??= new Promise((resolve) => {
      this.resumeWrites = resolve
    })
    clearTimeout(this.pauseTimer)
    this.pauseTimer = setTimeout(() => this.unpauseWrites(), ms)
    this.pauseTimer.unref()
  }

  unpauseWrites(): void {
    clearTimeout(this.pauseTimer)
    const resume = this.resumeWrites
    this.writesPaused = undefined
    this.resumeWrites = undefined
    resume?.()
  }

  /** db 0, the only database of a cluster node. */
  get keyspace(): Keyspace {
    return this.databases[0] ?? new Keyspace()
  }

  get password(): string | undefined {
    return this.config.get('requirepass') || undefined
  }

  get nodeTimeoutMs(): number {
    return Number(this.config.get('cluster-node-timeout'))
  }
}
