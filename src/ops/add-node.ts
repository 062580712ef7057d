/**
 * `add-node`: join an empty node to a healthy cluster, as a master or a replica, and wait until the cluster
 * has taken it in (every node knows it and it reports cluster_state:ok), so that a reshard can follow at once.
 */
import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'

import {parseAddress} from '../cluster/address.js'
import {describeNode} from '../cluster/checks.js'
import {OperationError, SlotctlError} from '../cluster/errors.js'
import type {NodeLine} from '../cluster/nodes.js'
import {chooseMasterForReplica} from '../cluster/replica-choice.js'
import {resolveMaster} from '../cluster/resolve-node.js'
import {type ClusterSnapshot, type NodeReading, seedView} from '../cluster/snapshot.js'
import {countSlots} from '../cluster/slots.js'
import {describeConnectError} from '../redis/connect-error.js'
import type {NodePool} from '../redis/connection.js'
import {addressOf, readCluster, readNode} from '../redis/discover.js'
import {
  allOf,
  clusterStateOk,
  everyNodeKnowsEveryOther,
  replicasSeenEverywhere,
  slotOwnersAgree,
  waitUntil,
} from './converge.js'
import {requireHealthy, send} from './nodes.js'

export type AddNodeRequest = {
  readonly existing: string
  /** With replica: the master to follow (id, unique prefix or host:port); else the one with fewest replicas. */
  readonly masterId?: string
  readonly newNode: string
  readonly replica: boolean
}

export type PreparedAddNode = {
  /** The node is already a member in the requested role: nothing to do. */
  readonly alreadyMember: boolean
  /** The master the new replica will follow. */
  readonly master?: NodeLine
  readonly newNode: NodeReading
  readonly snapshot: ClusterSnapshot
}

/** Reads the cluster and the new node; refuses (changing nothing) an unhealthy cluster or a node that is not empty. */
export async function prepareAddNode(pool: NodePool, request: AddNodeRequest): Promise<PreparedAddNode> {
  const snapshot = await readCluster(pool, request.existing)
  const newNode = await readNewNode(pool, request.newNode)
  const members = seedView(snapshot)
  const member = members.find((line) => line.id === newNode.self.id)
  const master = request.replica ? chooseMaster(members, newNode, request.masterId) : undefined
  if (member) return {alreadyMember: isInRole(member, master), newNode, snapshot, ...(master ? {master} : {})}
  requireHealthy(snapshot, 'add a node')
  refuseNotEmpty(newNode)
  return {alreadyMember: false, newNode, snapshot, ...(master ? {master} : {})}
}

async function readNewNode(pool: NodePool, address: string): Promise<NodeReading> {
  try {
    return await readNode(pool, address)
  } catch (error) {
    throw error instanceof SlotctlError ? error : describeConnectError(address, error, pool.settings)
  }
}

function chooseMaster(members: readonly NodeLine[], newNode: NodeReading, token: string | undefined): NodeLine {
  if (token !== undefined) return resolveMaster(members, token, '--master-id')
  const replicaHost = newNode.self.host || parseAddress(newNode.address).host
  const master = chooseMasterForReplica(members, {exclude: [newNode.self.id], replicaHost})
  if (master) return master
  throw new OperationError('no healthy master to replicate', {
    code: 'NO_MASTER',
    suggestions: ['Add the node as a master (without --replica), or repair the cluster first: slotctl fix ADDR'],
  })
}

/** Already joined as asked: a master, or a replica of the requested master. */
function isInRole(member: NodeLine, master: NodeLine | undefined): boolean {
  if (!master) {
    if (member.role === 'master') return true
    throw new OperationError(`${addressOf(member)} is already a member of this cluster, as a replica`, {
      code: 'ALREADY_MEMBER',
      suggestions: ['Promote it with: slotctl failover ADDR, or remove it first with: slotctl del-node'],
    })
  }

  if (member.role === 'replica' && member.masterId === master.id) return true
  throw new OperationError(`${addressOf(member)} is already a member of this cluster, in another role`, {
    code: 'ALREADY_MEMBER',
    suggestions: [`Remove it first with: slotctl del-node ${addressOf(member)} ${member.id.slice(0, 8)}`],
  })
}

function refuseNotEmpty(node: NodeReading): void {
  const reasons = [
    ...(node.keys > 0 ? [`holds ${node.keys} keys`] : []),
    ...(countSlots(node.self.slots) > 0 ? ['owns slots'] : []),
    ...(node.view.length > 1 ? [`knows ${node.view.length - 1} other nodes`] : []),
  ]
  if (reasons.length === 0) return
  throw new OperationError(
    `${describeNode({address: node.address, id: node.self.id})} is not empty: it ${reasons.join(', ')}`,
    {
      code: 'NODE_NOT_EMPTY',
      suggestions: [`Empty it first: redis-cli -h HOST -p PORT FLUSHALL, then CLUSTER RESET HARD`],
    },
  )
}

export type AddNodeProgress = (phase: string, elapsedMs: number) => void

/** MEETs the new node with the cluster, waits until everyone knows it, then (for a replica) attaches it. */
export async function executeAddNode(
  pool: NodePool,
  prepared: PreparedAddNode,
  {onPhase, timeoutMs}: {onPhase?: AddNodeProgress; timeoutMs: number},
): Promise<void> {
  const {master, newNode, snapshot} = prepared
  const phase = async (what: string, action: () => Promise<unknown>) => {
    const started = Date.now()
    await action()
    onPhase?.(what, Date.now() - started)
  }

  const members = snapshot.nodes.map((node) => ({address: node.address, id: node.self.id}))
  const everyone = [...members, {address: newNode.address, id: newNode.self.id}]
  const addresses = everyone.map((node) => node.address)
  if (!master)
    await phase("the cluster's functions copied, if any", () => copyFunctions(pool, snapshot.seed, newNode.address))
  await phase('CLUSTER MEET sent', () => meet(pool, newNode.address, snapshot.nodes[0]!))
  await phase('every node knows the new node and reports cluster_state:ok', () =>
    waitUntil(pool, addresses, allOf(everyNodeKnowsEveryOther(everyone), slotOwnersAgree(), clusterStateOk), {
      timeoutMs,
    }),
  )
  if (!master) return
  await phase(`CLUSTER REPLICATE ${addressOf(master)} sent`, () =>
    send(pool, newNode.address, 'CLUSTER', 'REPLICATE', master.id),
  )
  const replica = {address: newNode.address, id: newNode.self.id, masterId: master.id}
  await phase('every node sees the new replica', () =>
    waitUntil(pool, addresses, allOf(replicasSeenEverywhere([replica]), clusterStateOk), {timeoutMs}),
  )
}

/** CLUSTER MEET takes an IP: the one the node announces, or the address slotctl reached it by, resolved. */
async function meet(pool: NodePool, newNode: string, peer: NodeReading): Promise<void> {
  const {host, port} = parseAddress(peer.address)
  const ip = peer.self.host !== '' ? peer.self.host : isIP(host) ? host : (await lookup(host)).address
  const busPort = peer.self.busPort === peer.self.port + 10_000 ? [] : [peer.self.busPort]
  await send(pool, newNode, 'CLUSTER', 'MEET', ip, peer.self.port || port, ...busPort)
}

/**
 * A new master gets the cluster's functions, as redis-cli does; servers without FUNCTION (before 7.0) are
 * skipped, and a new node that already has functions is refused rather than overwritten.
 */
async function copyFunctions(pool: NodePool, seed: string, newNode: string): Promise<void> {
  let payload: unknown
  try {
    payload = await (await pool.connect(seed)).callBuffer('FUNCTION', 'DUMP')
  } catch {
    return
  }

  const existing = (await pool.call(newNode, 'FUNCTION', 'LIST').catch(() => [])) as unknown[]
  if (existing.length > 0) {
    throw new OperationError(`${newNode} already has functions`, {
      code: 'NODE_NOT_EMPTY',
      suggestions: ['Remove them with FUNCTION FLUSH on that node, then add it again'],
    })
  }

  if (Buffer.isBuffer(payload) && payload.length > 0) await send(pool, newNode, 'FUNCTION', 'RESTORE', payload)
}
