import {compareAddresses} from './address.js'
import {parseServerIdentity, type ServerIdentity} from './capabilities/index.js'
import {keysInDb0, parseInfo} from './info.js'
import {isMyself, type NodeLine, parseClusterNodes} from './nodes.js'

/** What one reachable node said about itself and the cluster, read in one round trip. */
export type NodeReading = {
  /** `host:port` as slotctl reached it. */
  readonly address: string
  /** CLUSTER INFO fields (cluster_state, cluster_known_nodes, ...). */
  readonly clusterInfo: Readonly<Record<string, string>>
  /** INFO server, keyspace, memory and replication fields. */
  readonly info: Readonly<Record<string, string>>
  /** Keys in db0. */
  readonly keys: number
  /** The node's own `myself` line: its own view of its slots and open slots. */
  readonly self: NodeLine
  /** Its engine and version: what decides which commands it takes (capabilitiesOf). */
  readonly server: ServerIdentity
  /** Every line of the node's CLUSTER NODES: how it sees the whole cluster. */
  readonly view: readonly NodeLine[]
}

/** A node some member knows of but slotctl could not read. */
export type UnreachableNode = {
  readonly address: string
  readonly error: string
  readonly id?: string
}

/** Keys that a master holds in a slot it does not own (found with --search-multiple-owners). */
export type StrayKeys = {readonly count: number; readonly nodeId: string; readonly slot: number}

/** The whole cluster as slotctl read it: the input of every check and planner. */
export type ClusterSnapshot = {
  readonly nodes: readonly NodeReading[]
  /** The address slotctl started from. */
  readonly seed: string
  /** Present only when the caller asked for the multiple-owners search. */
  readonly strayKeys?: readonly StrayKeys[]
  readonly unreachable: readonly UnreachableNode[]
}

export const masters = (snapshot: ClusterSnapshot): NodeReading[] =>
  snapshot.nodes.filter((node) => node.self.role === 'master')

/**
 * Masters in the order people read a cluster: by their first slot (0-5460 before 5461-10922), masters without
 * slots last, by address. Discovery order follows each node's hash-ordered view and changes from run to run.
 */
export const mastersBySlot = (snapshot: ClusterSnapshot): NodeReading[] =>
  masters(snapshot).sort((a, b) => firstSlot(a) - firstSlot(b) || compareAddresses(a.address, b.address))

const firstSlot = (reading: NodeReading) => reading.self.slots[0]?.start ?? Number.MAX_SAFE_INTEGER

export const replicasOf = (snapshot: ClusterSnapshot, masterId: string): NodeReading[] =>
  snapshot.nodes.filter((node) => node.self.role === 'replica' && node.self.masterId === masterId)

/** How the seed (the first node read) sees the cluster: every member it knows, reachable or not. */
export const seedView = (snapshot: ClusterSnapshot): readonly NodeLine[] => snapshot.nodes[0]?.view ?? []

/** The raw replies one node gave: CLUSTER NODES, CLUSTER INFO and the INFO sections. */
export type NodeReplies = {
  readonly address: string
  readonly clusterInfo: string
  readonly clusterNodes: string
  readonly info: string
}

export class MissingSelfError extends Error {}

/** Parses one node's replies into a reading. Throws MissingSelfError when CLUSTER NODES has no myself line. */
export function readingFrom(replies: NodeReplies): NodeReading {
  const view = parseClusterNodes(replies.clusterNodes)
  const self = view.find((line) => isMyself(line))
  if (!self) throw new MissingSelfError(`${replies.address} sent CLUSTER NODES without a myself line`)
  const info = parseInfo(replies.info)
  return {
    address: replies.address,
    clusterInfo: parseInfo(replies.clusterInfo),
    info,
    keys: keysInDb0(info),
    self,
    server: parseServerIdentity(info),
    view,
  }
}
