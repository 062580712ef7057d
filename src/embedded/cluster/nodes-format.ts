/**
 * CLUSTER NODES lines (clusterGenNodeDescription), shared by the command and by nodes.conf. Every line ends
 * in "\n", the last one too: redis-cli ignores a last line without it.
 */
import type {ClusterNode, ClusterState} from './state.js'
import {toRanges} from './state.js'

export function nodeFlags(state: ClusterState, node: ClusterNode): string {
  const flags: string[] = []
  if (node === state.myself) flags.push('myself')
  flags.push(node.role)
  if (node.pfail) flags.push('fail?')
  if (node.fail) flags.push('fail')
  if (node.handshake) flags.push('handshake')
  if (!node.ip && node !== state.myself) flags.push('noaddr')
  return flags.join(',')
}

export function nodeLine(state: ClusterState, node: ClusterNode, now = Date.now()): string {
  const myself = node === state.myself
  const pongReceived = myself ? Math.floor(now / 1000) * 1000 : node.pongReceived
  const fields = [
    node.id,
    `${node.ip}:${node.port}@${node.cport}`,
    nodeFlags(state, node),
    node.role === 'slave' ? (node.masterId ?? '-') : '-',
    String(myself ? 0 : node.pingSent),
    String(pongReceived),
    String(state.effectiveEpoch(node)),
    myself || node.linkConnected ? 'connected' : 'disconnected',
  ]
  const slots = toRanges(state.slotsOf(node)).map(([start, end]) => (start === end ? `${start}` : `${start}-${end}`))
  let line = [...fields, ...slots].join(' ')
  if (myself) {
    const open = [
      ...[...state.migratingTo].map(([slot, peer]) => ({slot, text: `[${slot}->-${peer.id}]`})),
      ...[...state.importingFrom].map(([slot, peer]) => ({slot, text: `[${slot}-<-${peer.id}]`})),
    ].sort((a, b) => a.slot - b.slot)
    for (const entry of open) line += ` ${entry.text}`
  }

  return `${line}\n`
}

export function nodesDescription(state: ClusterState): string {
  let text = ''
  for (const node of state.nodes.values()) text += nodeLine(state, node)
  return text
}
