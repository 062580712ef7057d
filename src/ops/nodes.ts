/**
 * Commands sent to many nodes at once (`call`, `set-timeout`), and `send`, which turns a refusal into an
 * OperationError naming the node and the command.
 */
import {checkCluster} from '../cluster/checks.js'
import {OperationError, SlotctlError} from '../cluster/errors.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import type {NodePool} from '../redis/connection.js'

type Argument = Buffer | number | string

/** Sends one command to one node; a refusal becomes an OperationError (exit 1) that names both. */
export async function send(pool: NodePool, node: string, ...command: [string, ...Argument[]]): Promise<unknown> {
  try {
    return await pool.call(node, ...command)
  } catch (error) {
    if (error instanceof SlotctlError) throw error
    throw new OperationError(`${node} refused ${command.slice(0, 2).join(' ')}: ${messageOf(error)}`, {
      code: 'STEP_FAILED',
      suggestions: [`Look at the cluster with: slotctl check ${node}`],
    })
  }
}

/** Refuses to `doing` on a cluster that check finds errors in: changes on top of problems make them worse. */
export function requireHealthy(snapshot: ClusterSnapshot, doing: string): void {
  const errors = checkCluster(snapshot).filter((finding) => finding.severity === 'error')
  if (errors.length === 0) return
  const lines = errors.map((finding) => `\n  ${finding.code}: ${finding.message}`).join('')
  throw new OperationError(`cannot ${doing}: the cluster has problems:${lines}`, {
    code: 'CLUSTER_UNHEALTHY',
    suggestions: [`See and repair them: slotctl check ${snapshot.seed}, then slotctl fix ${snapshot.seed}`],
  })
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** One node's answer: its reply, or the error it (or the connection to it) gave. */
export type NodeReply = {readonly address: string} & ({readonly reply: unknown} | {readonly error: string})

/** Sends the same command to every node at once; never throws, each failure stays with its node. */
export async function callEach(
  pool: NodePool,
  addresses: readonly string[],
  command: readonly [string, ...string[]],
): Promise<NodeReply[]> {
  return Promise.all(
    addresses.map(async (address): Promise<NodeReply> => {
      try {
        return {address, reply: await pool.call(address, ...command)}
      } catch (error) {
        return {address, error: messageOf(error)}
      }
    }),
  )
}

/** A node's cluster-node-timeout as CONFIG GET gave it, or why it could not be read. */
export type CurrentTimeout = {readonly address: string; readonly current: null | number; readonly error?: string}

/** CONFIG GET cluster-node-timeout on every node at once; never throws, each failure stays with its node. */
export async function readNodeTimeouts(pool: NodePool, addresses: readonly string[]): Promise<CurrentTimeout[]> {
  const replies = await callEach(pool, addresses, ['CONFIG', 'GET', 'cluster-node-timeout'])
  return replies.map((reply) =>
    'error' in reply
      ? {address: reply.address, current: null, error: reply.error}
      : {address: reply.address, current: Number((reply.reply as string[])[1])},
  )
}

export type TimeoutResult = {
  readonly address: string
  /** Why the new value was not set (the node keeps its old timeout), when it was not. */
  readonly error?: string
  /** Saved to the node's config file with CONFIG REWRITE, so it survives a restart. */
  readonly persisted: boolean
  /** Why it could not be saved (no config file, CONFIG REWRITE renamed...), when it was set but not saved. */
  readonly reason?: string
  readonly set: boolean
}

/** CONFIG SET cluster-node-timeout on every node at once, then CONFIG REWRITE where the node allows it. */
export async function setNodeTimeout(
  pool: NodePool,
  addresses: readonly string[],
  ms: number,
): Promise<TimeoutResult[]> {
  return Promise.all(
    addresses.map(async (address): Promise<TimeoutResult> => {
      try {
        await pool.call(address, 'CONFIG', 'SET', 'cluster-node-timeout', ms)
      } catch (error) {
        return {address, error: messageOf(error), persisted: false, set: false}
      }

      try {
        await pool.call(address, 'CONFIG', 'REWRITE')
        return {address, persisted: true, set: true}
      } catch (error) {
        return {address, persisted: false, reason: messageOf(error).replace(/^ERR /, ''), set: true}
      }
    }),
  )
}
