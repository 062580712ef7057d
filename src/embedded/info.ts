/**
 * The INFO text: sections in Redis' order and layout ("# Name" headers, "\r\n" line ends, a blank line
 * between sections), with the fields clients read: cluster_enabled, loading, role, db0 (absent when empty).
 */
import {REDIS_VERSION, type NodeRuntime} from './runtime.js'

type Section = {name: string; default: boolean; fields: (node: NodeRuntime) => [string, string | number][]}

const SECTIONS: Section[] = [
  {
    default: true,
    fields: (node) => [
      ['redis_version', REDIS_VERSION],
      ['redis_mode', node.cluster ? 'cluster' : 'standalone'],
      ['os', `${process.platform} ${process.arch}`],
      ['arch_bits', 64],
      ['process_id', process.pid],
      ['run_id', node.runId],
      ['tcp_port', node.settings.port],
      ['server_time_usec', Date.now() * 1000],
      ['uptime_in_seconds', Math.floor((Date.now() - node.startedAt) / 1000)],
      ['uptime_in_days', Math.floor((Date.now() - node.startedAt) / 86_400_000)],
      ['hz', 10],
      ['executable', 'embedded'],
      ['config_file', ''],
    ],
    name: 'Server',
  },
  {
    default: true,
    fields: (node) => [
      ['connected_clients', node.clients.size],
      ['maxclients', 10_000],
      ['blocked_clients', 0],
    ],
    name: 'Clients',
  },
  {
    default: true,
    fields: () => {
      const used = process.memoryUsage().heapUsed
      return [
        ['used_memory', used],
        ['used_memory_human', `${(used / 1024 / 1024).toFixed(2)}M`],
        ['maxmemory', 0],
        ['maxmemory_policy', 'noeviction'],
      ]
    },
    name: 'Memory',
  },
  {
    default: true,
    fields: () => [
      ['loading', 0],
      ['async_loading', 0],
      ['rdb_changes_since_last_save', 0],
      ['rdb_bgsave_in_progress', 0],
      ['aof_enabled', 0],
    ],
    name: 'Persistence',
  },
  {
    default: true,
    fields: (node) => [
      ['total_connections_received', node.stats.connections],
      ['total_commands_processed', node.stats.commands],
      ['rejected_calls', node.stats.rejectedCalls],
      ['expired_keys', 0],
      ['evicted_keys', 0],
    ],
    name: 'Stats',
  },
  {default: true, fields: replicationFields, name: 'Replication'},
  {
    default: true,
    fields: () => {
      const usage = process.cpuUsage()
      return [
        ['used_cpu_sys', (usage.system / 1e6).toFixed(6)],
        ['used_cpu_user', (usage.user / 1e6).toFixed(6)],
      ]
    },
    name: 'CPU',
  },
  {default: true, fields: (node) => [['cluster_enabled', node.cluster ? 1 : 0]], name: 'Cluster'},
  {
    default: true,
    fields: ({databases}) =>
      databases.flatMap((keyspace, db): [string, string][] =>
        keyspace.size === 0 ? [] : [[`db${db}`, `keys=${keyspace.size},expires=${keyspace.expiringCount},avg_ttl=0`]],
      ),
    name: 'Keyspace',
  },
]

function replicationFields(node: NodeRuntime): [string, string | number][] {
  const cluster = node.cluster
  const myself = cluster?.myself
  if (cluster && myself?.role === 'slave') {
    const master = cluster.masterOf(myself)
    return [
      ['role', 'slave'],
      ['master_host', master?.ip ?? '?'],
      ['master_port', master?.port ?? 0],
      ['master_link_status', node.replicationLink?.connected ? 'up' : 'down'],
      ['master_last_io_seconds_ago', 0],
      ['master_sync_in_progress', 0],
      ['slave_read_repl_offset', myself.replicationOffset],
      ['slave_repl_offset', myself.replicationOffset],
      ['slave_priority', 100],
      ['slave_read_only', 1],
      ['replica_announced', 1],
      ['connected_slaves', 0],
      ['master_replid', node.runId],
      ['master_repl_offset', myself.replicationOffset],
    ]
  }

  const replicas = cluster && myself ? cluster.replicasOf(myself) : []
  return [
    ['role', 'master'],
    ['connected_slaves', node.replication.replicaCount],
    ...replicas.map((replica, index): [string, string] => [
      `slave${index}`,
      `ip=${replica.ip},port=${replica.port},state=online,offset=${replica.replicationOffset},lag=0`,
    ]),
    ['master_replid', node.runId],
    ['master_repl_offset', myself?.replicationOffset ?? 0],
  ]
}

/** INFO [section ...]: no argument or "default" gives the default sections, "all"/"everything" all of them. */
export function infoText(node: NodeRuntime, requested: string[]): string {
  const wanted = requested.length === 0 ? ['default'] : requested
  const all = wanted.includes('all') || wanted.includes('everything')
  const chosen = SECTIONS.filter(
    (section) => all || wanted.includes(section.name.toLowerCase()) || (section.default && wanted.includes('default')),
  )
  return chosen
    .map((section) => {
      const lines = section.fields(node).map(([name, value]) => `${name}:${value}\r\n`)
      return `# ${section.name}\r\n${lines.join('')}`
    })
    .join('\r\n')
}
