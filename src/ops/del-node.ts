/**
 * `del-node`: remove a node from the cluster, alive or dead. Every reachable member gets CLUSTER FORGET at the
 * same moment, because a member that still knows the node gossips it back to the others once their 60 s ban
 * expires; then, after a few gossip rounds, slotctl checks that nobody lists it again.
 */
import {describeNode} from '../cluster/checks.js'
import {OperationError} from '../cluster/errors.js'
import type {NodeLine} from '../cluster/nodes.js'
import {chooseMasterForReplica} from '../cluster/replica-choice.js'
import {resolveNode} from '../cluster/resolve-node.js'
import type {ClusterSnapshot, NodeReading} from '../cluster/snapshot.js'
import {countSlots} from '../cluster/slots.js'
import type {NodePool} from '../redis/connection.js'
import {addressOf, readCluster} from '../redis/discover.js'
import {type Condition, readNodes, waitUntil} from './converge.js'
import {messageOf, send} from './nodes.js'

/** What happens to a live node once the others have forgotten it. */
export type AfterRemoval = 'keep' | 'reset' | 'shutdown'

export type Repoint = {readonly address: string; readonly id: string; readonly master: NodeLine}

export type PreparedDelNode = {
  /** Reachable members other than the node: each must forget it. */
  readonly others: readonly NodeReading[]
  /** Replicas of the node, each with the master it will follow instead. */
  readonly repoints: readonly Repoint[]
  readonly snapshot: ClusterSnapshot
  readonly target: NodeLine
  /** The node itself, when it answers. */
  readonly targetReading?: NodeReading
}

/** Reads the cluster and finds the node (id, unique prefix or host:port), refusing one that still owns slots. */
/** A full node id that no reachable member lists: removed already (a re-run), so there is nothing to do. */
export type AlreadyRemoved = {readonly alreadyRemoved: string}

export async function prepareDelNode(
  pool: NodePool,
  seed: string,
  token: string,
): Promise<AlreadyRemoved | PreparedDelNode> {
  const snapshot = await readCluster(pool, seed)
  const members = knownMembers(snapshot)
  const fullId = token.trim().toLowerCase()
  if (/^[0-9a-f]{40}$/.test(fullId) && !members.has(fullId)) return {alreadyRemoved: fullId}
  const target = resolveNode([...members.values()], token, 'NODE')
  const targetReading = snapshot.nodes.find((node) => node.self.id === target.id)
  refuseSlotOwner(targetReading?.self ?? target, snapshot.seed, Boolean(targetReading))
  const others = snapshot.nodes.filter((node) => node.self.id !== target.id)
  const repoints = others
    .filter((node) => node.self.role === 'replica' && node.self.masterId === target.id)
    .map((replica) => ({address: replica.address, id: replica.self.id, master: newMasterFor(replica, target, others)}))
  return {others, repoints, snapshot, target, ...(targetReading ? {targetReading} : {})}
}

/** Every member any reachable node lists, by id: a dead node is known only this way. */
function knownMembers(snapshot: ClusterSnapshot): Map<string, NodeLine> {
  const members = new Map<string, NodeLine>()
  for (const node of snapshot.nodes) for (const line of node.view) if (!members.has(line.id)) members.set(line.id, line)
  return members
}

function refuseSlotOwner(line: NodeLine, seed: string, alive: boolean): void {
  const slots = countSlots(line.slots)
  if (slots === 0) return
  const name = describeNode({address: addressOf(line), id: line.id})
  throw new OperationError(`${name} is a master that holds ${slots} slots: removing it would lose them`, {
    code: 'NODE_HAS_SLOTS',
    suggestions: alive
      ? [`Move its slots away first: slotctl rebalance ${seed} --weight ${line.id.slice(0, 8)}=0`]
      : [
          `Promote one of its replicas (slotctl failover REPLICA --force), or give its slots to live masters with: slotctl fix ${seed}`,
        ],
  })
}

function newMasterFor(replica: NodeReading, target: NodeLine, others: readonly NodeReading[]): NodeLine {
  const view = replica.view.filter((line) => others.some((node) => node.self.id === line.id))
  const master = chooseMasterForReplica(view, {exclude: [target.id, replica.self.id], replicaHost: replica.self.host})
  if (master) return master
  throw new OperationError(`${replica.address}, a replica of the node, has no other master to follow`, {
    code: 'NO_MASTER',
    suggestions: ['Remove the replica first, or add a master for it: slotctl add-node'],
  })
}

export type DelNodeOptions = {
  readonly onPhase?: (phase: string, elapsedMs: number) => void
  /** How long gossip gets to bring the node back before slotctl calls it gone. */
  readonly settleMs: number
  readonly then: AfterRemoval
  readonly timeoutMs: number
}

export type DelNodeOutcome = {
  /** FORGET rounds sent: more than one when gossip brought the node back. */
  readonly forgetRounds: number
  /** What was done to the node itself ('gone' when it was not reachable). */
  readonly node: AfterRemoval | 'gone'
}

const FORGET_ROUNDS = 3

/** Re-points replicas, FORGETs on every member at once, deals with the node, and checks it stays forgotten. */
export async function executeDelNode(
  pool: NodePool,
  prepared: PreparedDelNode,
  options: DelNodeOptions,
): Promise<DelNodeOutcome> {
  const timed = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    const started = Date.now()
    const result = await action()
    options.onPhase?.(what, Date.now() - started)
    return result
  }

  const {others, repoints, target, targetReading} = prepared
  const addresses = others.map((node) => node.address)
  if (repoints.length > 0) {
    await timed(`${repoints.length} replicas re-pointed`, () =>
      Promise.all(repoints.map((r) => send(pool, r.address, 'CLUSTER', 'REPLICATE', r.master.id))),
    )
  }

  await timed(`CLUSTER FORGET sent to ${addresses.length} nodes at once`, () =>
    forgetEverywhere(pool, addresses, target),
  )
  const node = targetReading
    ? await timed(`node ${options.then}`, () => dealWith(pool, targetReading, options.then))
    : 'gone'
  const forgetRounds = await timed('no node lists it after a few gossip rounds', () =>
    confirmForgotten(pool, addresses, target, options),
  )
  return {forgetRounds, node}
}

/** FORGET on every address in parallel; a node that does not know it any more is fine. */
async function forgetEverywhere(pool: NodePool, addresses: readonly string[], target: NodeLine): Promise<void> {
  const failures = (
    await Promise.all(
      addresses.map(async (address) => {
        try {
          await pool.call(address, 'CLUSTER', 'FORGET', target.id)
          return undefined
        } catch (error) {
          return /unknown node/i.test(messageOf(error)) ? undefined : `${address}: ${messageOf(error)}`
        }
      }),
    )
  ).filter((failure) => failure !== undefined)
  if (failures.length === 0) return
  throw new OperationError(`CLUSTER FORGET failed on ${failures.length} nodes: ${failures.join('; ')}`, {
    code: 'FORGET_FAILED',
    suggestions: ['Run the same del-node again within 60 s: the nodes that did forget it keep it banned that long'],
  })
}

async function dealWith(pool: NodePool, node: NodeReading, then: AfterRemoval): Promise<AfterRemoval> {
  if (then === 'reset') await send(pool, node.address, 'CLUSTER', 'RESET', 'SOFT')
  if (then === 'shutdown') {
    // The node closes the connection instead of answering: that is the success.
    await pool.call(node.address, 'SHUTDOWN', 'NOSAVE').catch((error: unknown) => {
      if (!/connection is closed|ECONNRESET/i.test(messageOf(error))) throw error
    })
  }

  return then
}

const nobodyLists = (target: NodeLine): Condition => ({
  laggards: (readings) =>
    readings
      .filter((reading) => reading.view.some((line) => line.id === target.id))
      .map((reading) => `${reading.address} still lists ${target.id.slice(0, 8)}`),
  what: `no node lists ${addressOf(target)}`,
})

/**
 * Waits until nobody lists the node, lets gossip run, and looks again: a member that was missed (or a
 * handshake racing the FORGET) would bring it back. Then it forgets it again, a bounded number of times.
 */
async function confirmForgotten(
  pool: NodePool,
  addresses: readonly string[],
  target: NodeLine,
  {settleMs, timeoutMs}: DelNodeOptions,
): Promise<number> {
  for (let round = 1; round <= FORGET_ROUNDS; round++) {
    await waitUntil(pool, addresses, nobodyLists(target), {timeoutMs})
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    const readings = (await readNodes(pool, addresses)).filter((r): r is NodeReading => 'self' in r)
    const relapsed = nobodyLists(target).laggards(readings)
    if (relapsed.length === 0) return round
    await forgetEverywhere(pool, addresses, target)
  }

  throw new OperationError(`gossip keeps bringing ${addressOf(target)} back`, {
    code: 'NODE_RETURNS',
    suggestions: [
      'A member slotctl cannot reach still knows it: bring that member up, or FORGET the node there, then run del-node again',
    ],
  })
}
