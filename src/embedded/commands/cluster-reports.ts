/**
 * The CLUSTER subcommands that report the cluster (INFO, SLOTS, SHARDS, LINKS), with Redis 7.0's layouts:
 * INFO lines end in CRLF, SLOTS lists runs of slots in slot order, SHARDS groups a master with its replicas.
 */
import {SLOT_COUNT} from '../../cluster/keyslot.js'
import {type ClusterNode, type ClusterState, toRanges} from '../cluster/state.js'
import type {ReplyWriter} from '../resp.js'
import type {CommandContext} from './command.js'

export type ClusterContext = CommandContext & {cluster: ClusterState}

export function clusterInfo({cluster, node, reply}: ClusterContext): void {
  let assigned = 0
  let pfail = 0
  let fail = 0
  for (const owner of cluster.owners) {
    if (!owner) continue
    assigned++
    if (owner.fail) fail++
    else if (owner.pfail) pfail++
  }

  const lines: [string, number | string][] = [
    ['cluster_state', cluster.stateOk ? 'ok' : 'fail'],
    ['cluster_slots_assigned', assigned],
    ['cluster_slots_ok', assigned - pfail - fail],
    ['cluster_slots_pfail', pfail],
    ['cluster_slots_fail', fail],
    ['cluster_known_nodes', cluster.nodes.size],
    ['cluster_size', cluster.size],
    ['cluster_current_epoch', cluster.currentEpoch],
    ['cluster_my_epoch', cluster.effectiveEpoch(cluster.myself)],
  ]
  const stats = node.bus?.stats
  for (const direction of ['sent', 'received'] as const) {
    const counts = stats?.[direction] ?? new Map<string, number>()
    let total = 0
    for (const [type, count] of counts) {
      lines.push([`cluster_stats_messages_${type}_${direction}`, count])
      total += count
    }

    lines.push([`cluster_stats_messages_${direction}`, total])
  }

  lines.push(['total_cluster_links_buffer_limit_exceeded', 0])
  reply.verbatim(lines.map(([name, value]) => `${name}:${value}\r\n`).join(''))
}

/** A master's slot ranges with the nodes that serve them (the master first), for SLOTS and SHARDS. */
function shards(cluster: ClusterState): {master: ClusterNode; ranges: [number, number][]}[] {
  const result: {master: ClusterNode; ranges: [number, number][]}[] = []
  for (const node of cluster.nodes.values()) {
    if (node.role !== 'master') continue
    result.push({master: node, ranges: toRanges(cluster.slotsOf(node))})
  }

  return result
}

function writeSlotNode(reply: ReplyWriter, node: ClusterNode): void {
  reply.array(4)
  reply.bulk(node.ip)
  reply.integer(node.port)
  reply.bulk(node.id)
  reply.map(0)
}

function servingReplicas(cluster: ClusterState, master: ClusterNode): ClusterNode[] {
  return cluster
    .replicasOf(master)
    .filter((replica) => !replica.fail && (replica === cluster.myself || replica.linkConnected))
}

/** CLUSTER SLOTS: one entry per run of slots with the same owner, in slot order. */
export function clusterSlots({cluster, reply}: ClusterContext): void {
  const entries: {master: ClusterNode; range: [number, number]}[] = []
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = cluster.owners[slot]
    if (!owner) continue
    const last = entries.at(-1)
    if (last && last.master === owner && last.range[1] === slot - 1) last.range[1] = slot
    else entries.push({master: owner, range: [slot, slot]})
  }

  reply.array(entries.length)
  for (const {master, range} of entries) {
    const replicas = servingReplicas(cluster, master)
    reply.array(3 + replicas.length)
    reply.integer(range[0])
    reply.integer(range[1])
    writeSlotNode(reply, master)
    for (const replica of replicas) writeSlotNode(reply, replica)
  }
}

function writeShardNode(reply: ReplyWriter, node: ClusterNode): void {
  reply.map(7)
  reply.bulk('id')
  reply.bulk(node.id)
  reply.bulk('port')
  reply.integer(node.port)
  reply.bulk('ip')
  reply.bulk(node.ip)
  reply.bulk('endpoint')
  reply.bulk(node.ip)
  reply.bulk('role')
  reply.bulk(node.role === 'master' ? 'master' : 'replica')
  reply.bulk('replication-offset')
  reply.integer(node.replicationOffset)
  reply.bulk('health')
  reply.bulk(node.fail ? 'fail' : 'online')
}

export function clusterShards({cluster, reply}: ClusterContext): void {
  const list = shards(cluster)
  reply.array(list.length)
  for (const {master, ranges} of list) {
    reply.map(2)
    reply.bulk('slots')
    reply.array(ranges.length * 2)
    for (const [start, end] of ranges) {
      reply.integer(start)
      reply.integer(end)
    }

    const nodes = [master, ...cluster.replicasOf(master)]
    reply.bulk('nodes')
    reply.array(nodes.length)
    for (const node of nodes) writeShardNode(reply, node)
  }
}

export function links({node, reply}: ClusterContext): void {
  const descriptions = node.bus?.linkDescriptions() ?? []
  reply.array(descriptions.length)
  for (const link of descriptions) {
    reply.map(6)
    reply.bulk('direction')
    reply.bulk('to')
    reply.bulk('node')
    reply.bulk(link.node)
    reply.bulk('create-time')
    reply.integer(link.createdAt)
    reply.bulk('events')
    reply.bulk('r')
    reply.bulk('send-buffer-allocated')
    reply.integer(link.pending)
    reply.bulk('send-buffer-used')
    reply.integer(link.pending)
  }
}
