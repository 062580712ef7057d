import {canRestore, describeServer, type ServerIdentity} from './capabilities/index.js'
import type {Finding, NodeRef} from './checks.js'
import type {ClusterSnapshot, NodeReading} from './snapshot.js'

/** How many nodes of each server a finding names: enough to find them, short enough to read. */
const NAMED_PER_SERVER = 3

/**
 * Nodes of one cluster on different engines or versions: fine during a rolling upgrade, a hazard if it stays,
 * since a newer server's DUMP payloads cannot be RESTOREd on an older one and slots then cannot move back.
 */
export function checkServers(snapshot: ClusterSnapshot): Finding[] {
  const groups = groupByServer(snapshot.nodes)
  if (groups.length < 2) return []
  const listed = groups.map(({readings, server}) => {
    const shown = readings.slice(0, NAMED_PER_SERVER).map((reading) => reading.address)
    if (readings.length > shown.length) shown.push('…')
    return `${readings.length} on ${describeServer(server)} (${shown.join(', ')})`
  })
  return [
    {
      code: 'MIXED_SERVERS',
      message: `nodes run different servers: ${listed.join('; ')}${oneWayNote(groups.map((g) => g.server))}`,
      nodes: groups.flatMap(({readings}) => readings.slice(0, NAMED_PER_SERVER).map(refOf)),
      severity: 'warning',
    },
  ]
}

const refOf = (reading: NodeReading): NodeRef => ({address: reading.address, id: reading.self.id})

type ServerGroup = {readonly readings: NodeReading[]; readonly server: ServerIdentity}

/** Nodes by engine and version, the most common server first. */
function groupByServer(nodes: readonly NodeReading[]): ServerGroup[] {
  const groups = new Map<string, ServerGroup>()
  for (const reading of nodes) {
    const key = describeServer(reading.server)
    const group = groups.get(key) ?? {readings: [], server: reading.server}
    group.readings.push(reading)
    groups.set(key, group)
  }

  return [...groups.values()].sort((a, b) => b.readings.length - a.readings.length)
}

/** Which servers cannot take keys from which: where a move or a failover back would fail. */
function oneWayNote(servers: readonly ServerIdentity[]): string {
  const refused = servers.flatMap((source) =>
    servers
      .filter((target) => target !== source && !canRestore(source, target))
      .map((target) => `${describeServer(source)} to ${describeServer(target)}`),
  )
  return refused.length === 0 ? '' : `; keys cannot move from ${refused.join(', ')}`
}
