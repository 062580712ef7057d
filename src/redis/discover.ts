import {formatAddress} from '../cluster/address.js'
import {ConnectionError, SlotctlError, UsageError} from '../cluster/errors.js'
import {isReachableCandidate, type NodeLine} from '../cluster/nodes.js'
import {
  type ClusterSnapshot,
  MissingSelfError,
  type NodeReading,
  readingFrom,
  type StrayKeys,
  type UnreachableNode,
} from '../cluster/snapshot.js'
import {SLOT_COUNT} from '../cluster/keyslot.js'
import {slotsOf} from '../cluster/slots.js'
import {describeConnectError} from './connect-error.js'
import type {ConnectionSettings} from './settings.js'
import type {Command} from './resp.js'

/**
 * What reading a cluster needs of a connection layer. NodePool (ioredis, for commands that change the cluster)
 * and ReaderPool (plain RESP, quick to load, for commands that only read) both provide it.
 */
export type ClusterReader = {
  /**
   * Sends the commands to one node in one round trip: each reply, or the Error the node answered it with.
   * Rejects when the node cannot be reached.
   */
  pipeline(address: string, commands: readonly Command[]): Promise<unknown[]>
  readonly settings: ConnectionSettings
}

export type ReadOptions = {
  /** Also count keys each master holds in slots it does not own (one pipelined COUNTKEYSINSLOT per slot). */
  readonly searchMultipleOwners?: boolean
}

/**
 * The address slotctl uses to reach a node that another node listed: the hostname it announces, when it has
 * one (what its TLS certificate names, and what still resolves after an IP change), else its IP.
 */
export function addressOf(line: NodeLine): string {
  return formatAddress({host: line.hostname ?? line.host, port: line.port})
}

/**
 * Reads the whole cluster starting from `seed`: the seed first (it must answer, or this throws a
 * ConnectionError), then every node any member knows of, in parallel, each with its own view.
 */
export async function readCluster(
  pool: ClusterReader,
  seed: string,
  options: ReadOptions = {},
): Promise<ClusterSnapshot> {
  const first = await readSeed(pool, seed)
  const nodes: NodeReading[] = [first]
  const unreachable: UnreachableNode[] = []
  const visited = new Set([first.self.id])
  for (let frontier = peersToVisit(first, visited); frontier.length > 0;) {
    // eslint-disable-next-line no-await-in-loop
    const results = await Promise.all(frontier.map((line) => readPeer(pool, line)))
    for (const result of results) ('error' in result ? unreachable : nodes).push(result as never)
    frontier = results.flatMap((result) => ('error' in result ? [] : peersToVisit(result, visited)))
  }

  const snapshot = {nodes, seed, unreachable}
  return options.searchMultipleOwners ? {...snapshot, strayKeys: await findStrayKeys(pool, snapshot)} : snapshot
}

function peersToVisit(reading: NodeReading, visited: Set<string>): NodeLine[] {
  const fresh = reading.view.filter((line) => !visited.has(line.id) && isReachableCandidate(line))
  for (const line of fresh) visited.add(line.id)
  return fresh
}

async function readSeed(pool: ClusterReader, seed: string): Promise<NodeReading> {
  try {
    return await readNode(pool, seed)
  } catch (error) {
    if (error instanceof SlotctlError) throw error
    throw describeConnectError(seed, error, pool.settings)
  }
}

async function readPeer(pool: ClusterReader, line: NodeLine): Promise<NodeReading | UnreachableNode> {
  const address = addressOf(line)
  try {
    return await readNode(pool, address)
  } catch (error) {
    return {address, error: error instanceof Error ? error.message : String(error), id: line.id}
  }
}

const NODE_READING: readonly Command[] = [
  ['CLUSTER', 'NODES'],
  ['CLUSTER', 'INFO'],
  ['INFO', 'server'],
  ['INFO', 'keyspace'],
  ['INFO', 'memory'],
  ['INFO', 'replication'],
]

/** One round trip: CLUSTER NODES, CLUSTER INFO and the INFO sections slotctl reports on or decides by. */
export async function readNode(pool: ClusterReader, address: string): Promise<NodeReading> {
  const replies = await pool.pipeline(address, NODE_READING)
  const [clusterNodes = '', clusterInfo = '', ...infos] = replies.map((reply) => {
    if (reply instanceof Error) throw replyError(address, reply)
    return String(reply)
  })
  try {
    return readingFrom({address, clusterInfo, clusterNodes, info: infos.join('\n')})
  } catch (error) {
    if (error instanceof MissingSelfError) throw new SlotctlError(error.message, 1, {code: 'BAD_REPLY'})
    throw error
  }
}

function replyError(address: string, error: Error): Error {
  if (/cluster support disabled/i.test(error.message)) {
    return new UsageError(`${address} is not a cluster node (cluster-enabled is off)`, {
      code: 'NOT_CLUSTER',
      suggestions: ['Point slotctl at a node started with cluster-enabled yes'],
    })
  }

  if (/NOAUTH|WRONGPASS|NOPERM/.test(error.message)) {
    return new ConnectionError(`${address} refused the request: ${error.message.split('\n')[0]}`, {
      code: 'AUTH_REQUIRED',
      suggestions: ['Pass the password with --password, --askpass or REDISCLI_AUTH (and --user for an ACL user)'],
    })
  }

  return error
}

/** For every master, the keys it holds in slots its own view says it does not own. */
async function findStrayKeys(pool: ClusterReader, snapshot: ClusterSnapshot): Promise<StrayKeys[]> {
  const perNode = await Promise.all(
    snapshot.nodes
      .filter((node) => node.self.role === 'master' && node.keys > 0)
      .map(async (node) => {
        const owned = new Set(slotsOf(node.self.slots))
        const slots = Array.from({length: SLOT_COUNT}, (_, slot) => slot).filter((slot) => !owned.has(slot))
        const counts = await pool.pipeline(
          node.address,
          slots.map((slot) => ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
        )
        return slots
          .map((slot, i) => ({count: Number(counts[i]) || 0, nodeId: node.self.id, slot}))
          .filter((stray) => stray.count > 0)
      }),
  )
  return perNode.flat()
}
