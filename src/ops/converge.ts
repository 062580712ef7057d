/**
 * Bounded waits for a cluster to settle. A Condition looks at fresh readings of the nodes and names who is
 * still behind; `waitUntil` polls until nobody is, or fails naming the laggards. Conditions combine with allOf.
 */
import type {NodeRef} from '../cluster/checks.js'
import {OperationError} from '../cluster/errors.js'
import {SLOT_COUNT} from '../cluster/keyslot.js'
import type {NodeLine} from '../cluster/nodes.js'
import type {NodeReading} from '../cluster/snapshot.js'
import {formatRanges, slotsOf, toRanges} from '../cluster/slots.js'
import type {NodePool} from '../redis/connection.js'
import {readNode} from '../redis/discover.js'

export type Condition = {
  /** What is awaited, to end "timed out waiting until ...". */
  readonly what: string
  /** One line per node (or disagreement) still behind; empty when the condition holds. */
  readonly laggards: (readings: readonly NodeReading[]) => string[]
}

export type WaitOptions = {
  readonly intervalMs?: number
  readonly timeoutMs: number
}

/** A node that could not be read during a wait: a laggard in its own right. */
type Unread = {readonly address: string; readonly error: string}

/** Reads every address at once; a node that fails is returned as Unread rather than failing the lot. */
export async function readNodes(pool: NodePool, addresses: readonly string[]): Promise<Array<NodeReading | Unread>> {
  return Promise.all(
    addresses.map(async (address) => {
      try {
        return await readNode(pool, address)
      } catch (error) {
        return {address, error: error instanceof Error ? error.message : String(error)}
      }
    }),
  )
}

/** Polls `addresses` until `condition` holds on all of them; throws an OperationError naming the laggards. */
export async function waitUntil(
  pool: NodePool,
  addresses: readonly string[],
  condition: Condition,
  {intervalMs = 100, timeoutMs}: WaitOptions,
): Promise<NodeReading[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const results = await readNodes(pool, addresses)
    const readings = results.filter((result): result is NodeReading => 'self' in result)
    const unread = results.filter((result): result is Unread => 'error' in result)
    const laggards = [...unread.map((u) => `${u.address} cannot be read: ${u.error}`), ...condition.laggards(readings)]
    if (laggards.length === 0) return readings
    if (Date.now() >= deadline) throw notConverged(condition, laggards, timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

function notConverged(condition: Condition, laggards: string[], timeoutMs: number): OperationError {
  const shown = laggards.slice(0, 6).join('; ')
  const more = laggards.length > 6 ? ` (and ${laggards.length - 6} more)` : ''
  return new OperationError(`timed out after ${timeoutMs / 1000} s waiting until ${condition.what}: ${shown}${more}`, {
    code: 'NOT_CONVERGED',
    suggestions: [
      'Check that every node reaches every other on its cluster bus port (the port + 10000 unless set otherwise)',
      'Give it more time with --timeout, or look at the nodes with: slotctl check ADDR',
    ],
  })
}

export function allOf(...conditions: Condition[]): Condition {
  return {
    laggards: (readings) => conditions.flatMap((condition) => condition.laggards(readings)),
    what: conditions.map((condition) => condition.what).join(', and '),
  }
}

const lineAddress = (line: NodeLine) => `${line.host}:${line.port}`

/** Every node lists every one of `nodes`, none of them still in handshake or without an address. */
export function everyNodeKnowsEveryOther(nodes: readonly NodeRef[]): Condition {
  return {
    laggards: (readings) => {
      const knows = (reading: NodeReading, node: NodeRef) => reading.view.some((line) => line.id === node.id)
      const pendingWith = (reading: NodeReading, node: NodeRef) =>
        reading.view.some((line) => line.flags.includes('handshake') && lineAddress(line) === node.address)
      // Stuck in handshake with a node that nobody knows: its bus is likely unreachable. It leads the list.
      const shunned = nodes.filter((node) => {
        const others = readings.filter((reading) => reading.address !== node.address)
        return others.some((reading) => pendingWith(reading, node)) && others.every((reading) => !knows(reading, node))
      })
      return [
        ...shunned.map(
          (node) =>
            `the others cannot complete the handshake with ${node.address}: can they reach its cluster bus port?`,
        ),
        ...readings.flatMap((reading) => {
          const missing = nodes.filter((node) => !knows(reading, node)).map((node) => node.address)
          const pending = reading.view.filter(
            (line) => line.flags.includes('handshake') || line.flags.includes('noaddr'),
          )
          return [
            ...(missing.length > 0 ? [`${reading.address} does not know ${missing.join(', ')} yet`] : []),
            ...(pending.length > 0
              ? [`${reading.address} is still in handshake with ${pending.map(lineAddress).join(', ')}`]
              : []),
          ]
        }),
      ]
    },
    what: `every node knows all ${nodes.length}`,
  }
}

/** Every node reports cluster_state:ok. */
export const clusterStateOk: Condition = {
  laggards: (readings) =>
    readings
      .filter((reading) => reading.clusterInfo.cluster_state !== 'ok')
      .map((reading) => `${reading.address} reports cluster_state:${reading.clusterInfo.cluster_state ?? 'unknown'}`),
  what: 'every node reports cluster_state:ok',
}

/**
 * All nodes (or, with mastersOnly, the masters among them) map every slot to the same owner. The most common
 * view is taken as the reference, and each node that differs is named with the slots it sees otherwise.
 */
export function slotOwnersAgree({mastersOnly = false}: {mastersOnly?: boolean} = {}): Condition {
  return {
    laggards: (readings) => {
      const judged = mastersOnly ? readings.filter((reading) => reading.self.role === 'master') : readings
      const views = judged.map((reading) => {
        const owners = ownerMap(reading.view)
        return {owners, reading, signature: owners.join(',')}
      })
      const reference = mostCommon(views)
      return views
        .filter((view) => view.signature !== reference?.signature)
        .map((view) => describeDisagreement(view.reading, view.owners, reference?.owners ?? [], namesOf(readings)))
    },
    what: `${mastersOnly ? 'the masters' : 'all nodes'} agree about every slot owner`,
  }
}

/** Slot → owner id in one node's view; '' where it knows no owner. */
function ownerMap(view: readonly NodeLine[]): string[] {
  const owners = Array.from({length: SLOT_COUNT}, () => '')
  for (const line of view) if (line.role === 'master') for (const slot of slotsOf(line.slots)) owners[slot] = line.id
  return owners
}

/** The view most nodes share (the first of them on a tie). */
function mostCommon<T extends {signature: string}>(views: readonly T[]): T | undefined {
  const counts = new Map<string, number>()
  for (const {signature} of views) counts.set(signature, (counts.get(signature) ?? 0) + 1)
  const count = (view: T) => counts.get(view.signature) ?? 0
  return views.reduce<T | undefined>(
    (best, view) => (best === undefined || count(view) > count(best) ? view : best),
    undefined,
  )
}

/** Node id → address, from every view read: a node may name an owner it does not know itself. */
function namesOf(readings: readonly NodeReading[]): Map<string, string> {
  const names = new Map<string, string>()
  for (const reading of readings) names.set(reading.self.id, reading.address)
  return names
}

function describeDisagreement(
  reading: NodeReading,
  owners: string[],
  reference: string[],
  names: ReadonlyMap<string, string>,
): string {
  const differing = toRanges(owners.flatMap((owner, slot) => (owner === reference[slot] ? [] : [slot])))
  const slot = owners.findIndex((owner, s) => owner !== reference[s])
  const nameOf = (id = '') => (id === '' ? 'nobody' : (names.get(id) ?? id.slice(0, 8)))

  const shown = `${formatRanges(differing.slice(0, 3))}${differing.length > 3 ? ',…' : ''}`
  return `${reading.address} differs about slots ${shown} (slot ${slot}: it says ${nameOf(owners[slot])}, most say ${nameOf(reference[slot])})`
}

/** Every node sees each of `replicas` as a replica of its intended master. */
export function replicasSeenEverywhere(replicas: readonly (NodeRef & {masterId: string})[]): Condition {
  return {
    laggards: (readings) =>
      readings.flatMap((reading) => {
        const seen = new Map(reading.view.map((line) => [line.id, line]))
        const behind = replicas.filter((replica) => {
          const line = seen.get(replica.id)
          return line?.role !== 'replica' || line.masterId !== replica.masterId
        })
        return behind.length > 0
          ? [
              `${reading.address} does not yet see ${behind.map((r) => r.address).join(', ')} as ${behind.length === 1 ? 'a replica' : 'replicas'} of the intended master`,
            ]
          : []
      }),
    what: `every node sees all ${replicas.length} replicas replicating their masters`,
  }
}

/** Every replica among the nodes has finished its sync with its master (master_link_status:up): it could take over. */
export const replicasInSync: Condition = {
  laggards: (readings) =>
    readings
      .filter((reading) => reading.self.role === 'replica' && reading.info.master_link_status !== 'up')
      .map((reading) => `${reading.address} has not synced with its master yet`),
  what: 'every replica has synced with its master',
}
