import {UsageError} from './errors.js'
import {SLOT_COUNT} from './keyslot.js'
import type {SlotRange} from './slots.js'

/** Below this, losing one master leaves no majority of masters to authorise a replica's failover. */
export const MIN_MASTERS = 3

/** A node offered to `create`, with the host it runs on (what anti-affinity compares). */
export type CreateNode = {readonly address: string; readonly host: string}

export type PlannedMaster = CreateNode & {readonly replicas: readonly CreateNode[]; readonly slots: SlotRange}

export type PlacementWarning = {
  readonly code: 'REPLICAS_SAME_HOST' | 'REPLICA_SAME_HOST'
  readonly message: string
  /** Every address the warning names. */
  readonly nodes: readonly string[]
}

/** Who is master of which slots and who replicates whom: the shape of the cluster `create` builds. */
export type CreateLayout = {
  /** In the order of the addresses given, so the first master listed gets slot 0. */
  readonly masters: readonly PlannedMaster[]
  readonly warnings: readonly PlacementWarning[]
}

export const masterCount = (nodes: number, replicas: number): number => Math.floor(nodes / (replicas + 1))

/** Throws a UsageError unless `nodes` nodes with `replicas` replicas per master give at least 3 masters. */
export function checkCreateShape(nodes: number, replicas: number): void {
  const masters = masterCount(nodes, replicas)
  if (masters >= MIN_MASTERS) return
  const needed = MIN_MASTERS * (replicas + 1)
  throw new UsageError(
    `${nodes} ${nodes === 1 ? 'node' : 'nodes'} with --replicas ${replicas} give ${masters} ${masters === 1 ? 'master' : 'masters'}, and a cluster needs at least ${MIN_MASTERS}: a replica is promoted only when a majority of masters agrees, so with fewer the cluster cannot survive the loss of a master`,
    {
      code: 'TOO_FEW_MASTERS',
      suggestions: [
        `Give at least ${needed} nodes for --replicas ${replicas}${replicas > 0 ? ', or lower --replicas' : ''}`,
      ],
    },
  )
}

/**
 * Splits the 16384 slots into `masters` contiguous ranges whose sizes differ by at most one. Boundaries are
 * rounded (half up) in integer arithmetic, which gives redis-cli's ranges: 0-5460, 5461-10922, 10923-16383.
 */
export function splitSlots(masters: number): SlotRange[] {
  return Array.from({length: masters}, (_, i) => slotShare(i, masters))
}

/** The `i`th of `masters` ranges of splitSlots. */
function slotShare(i: number, masters: number): SlotRange {
  const boundary = (k: number) => Math.floor((2 * k * SLOT_COUNT + masters) / (2 * masters))
  return {end: boundary(i + 1) - 1, start: boundary(i)}
}

/**
 * Chooses masters and replicas. In order of importance: no replica on its master's host; the replicas of
 * one master on different hosts; masters spread evenly over hosts. Deterministic: the same nodes in the same
 * order give the same layout, and where the hosts leave a choice the node listed first becomes master.
 */
export function planLayout(nodes: readonly CreateNode[], replicas: number): CreateLayout {
  checkCreateShape(nodes.length, replicas)
  const members = nodes.map((node, order) => ({...node, order}))
  const groups = improveGroups(stripeByHost(members, masterCount(nodes.length, replicas)), nodes.length)
  const ordered = chooseMasters(groups).sort((a, b) => a.master.order - b.master.order)
  const masters = ordered.map(({group, master}, i) => ({
    address: master.address,
    host: master.host,
    replicas: group.filter((m) => m !== master).map(({address, host}) => ({address, host})),
    slots: slotShare(i, ordered.length),
  }))
  return {masters, warnings: placementWarnings(masters)}
}

/** A node with its position in the list given, which breaks ties. */
type Member = CreateNode & {readonly order: number}

/**
 * The nodes grouped by host (busiest host first), dealt round-robin into `groupCount` groups. Two nodes of a
 * host land in the same group only when that host has more nodes than there are groups.
 */
function stripeByHost(members: readonly Member[], groupCount: number): Member[][] {
  const byHost = new Map<string, Member[]>()
  for (const member of members) byHost.set(member.host, [...(byHost.get(member.host) ?? []), member])
  // A stable sort: hosts with equal counts keep the order they first appear in.
  const sequence = [...byHost.values()].sort((a, b) => b.length - a.length).flat()
  return Array.from({length: groupCount}, (_, g) => sequence.filter((_, position) => position % groupCount === g))
}

/**
 * A group's cost, lower is better: replicas that must share their master's host (the master goes on the host
 * the group uses least), weighted above all replicas that share a host with another of their group.
 */
function groupCost(group: readonly Member[], total: number): number {
  const counts = hostCounts(group)
  const withMaster = Math.min(...counts.values()) - 1
  const betweenReplicas = group.length - counts.size - withMaster
  return withMaster * (total + 1) + betweenReplicas
}

function hostCounts(group: readonly Member[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const {host} of group) counts.set(host, (counts.get(host) ?? 0) + 1)
  return counts
}

/**
 * Local search: exchanges two nodes between groups, or moves one from a larger group to a smaller one (which
 * keeps the group sizes), whenever that lowers the cost; until nothing helps. Needed only when a host has
 * more nodes than there are groups, where striping alone can pair a host with itself too often.
 */
function improveGroups(groups: Member[][], total: number): Member[][] {
  const cost = (group: Member[]) => groupCost(group, total)
  let improved = true
  while (improved) improved = improveOnce(groups, cost)
  return groups
}

function improveOnce(groups: Member[][], cost: (group: Member[]) => number): boolean {
  for (const [i, first] of groups.entries()) {
    for (const [j, second] of groups.entries()) {
      const better = j > i ? betterExchange(first, second, cost) : undefined
      if (!better) continue
      groups.splice(i, 1, better[0])
      groups.splice(j, 1, better[1])
      return true
    }
  }

  return false
}

function betterExchange(
  first: Member[],
  second: Member[],
  cost: (group: Member[]) => number,
): [Member[], Member[]] | undefined {
  const before = cost(first) + cost(second)
  const without = (group: Member[], member: Member) => group.filter((m) => m !== member)
  const candidates: Array<[Member[], Member[]]> = []
  for (const a of first) {
    for (const b of second)
      candidates.push([
        [...without(first, a), b],
        [...without(second, b), a],
      ])
    if (first.length > second.length) candidates.push([without(first, a), [...second, a]])
  }

  if (second.length > first.length) for (const b of second) candidates.push([[...first, b], without(second, b)])
  return candidates.find(([x, y]) => cost(x) + cost(y) < before)
}

/**
 * One master per group, from the hosts the group uses least (so the fewest replicas share its host); among
 * those, the host with the fewest masters so far, then the node listed first. A second pass moves masters
 * off crowded hosts where a group allows it.
 */
function chooseMasters(groups: readonly Member[][]): Array<{group: Member[]; master: Member}> {
  const mastersOn = new Map<string, number>()
  const load = (m: Member) => mastersOn.get(m.host) ?? 0
  const shift = (m: Member, by: number) => mastersOn.set(m.host, load(m) + by)
  const choices = groups.map((group) => {
    const counts = hostCounts(group)
    const fewest = Math.min(...counts.values())
    const options = group.filter((m) => counts.get(m.host) === fewest).sort((a, b) => a.order - b.order)
    const master = options.reduce((best, m) => (load(m) < load(best) ? m : best))
    shift(master, 1)
    return {group, master, options}
  })
  let moved = true
  while (moved) {
    moved = false
    for (const choice of choices) {
      const better = choice.options.find((m) => load(m) + 1 < load(choice.master))
      if (better === undefined) continue
      shift(choice.master, -1)
      shift(better, 1)
      choice.master = better
      moved = true
    }
  }

  return choices
}

function placementWarnings(masters: readonly PlannedMaster[]): PlacementWarning[] {
  const warnings: PlacementWarning[] = []
  const withMaster = masters.flatMap((m) => m.replicas.filter((r) => r.host === m.host).map((r) => [r, m] as const))
  if (withMaster.length > 0) {
    warnings.push({
      code: 'REPLICA_SAME_HOST',
      message: `the hosts given allow no better placement: ${withMaster.length} ${withMaster.length === 1 ? 'replica shares its' : 'replicas share their'} master's host (${withMaster.map(([r, m]) => `${r.address} replicates ${m.address}`).join(', ')}); losing that host loses both copies`,
      nodes: withMaster.flatMap(([r, m]) => [r.address, m.address]),
    })
  }

  const crowded = masters.flatMap((m) => replicasSharingHosts(m).map((group) => ({group, master: m})))
  if (crowded.length > 0) {
    warnings.push({
      code: 'REPLICAS_SAME_HOST',
      message: `the hosts given allow no better placement: replicas of one master share a host (${crowded.map(({group, master}) => `${group.map((r) => r.address).join(' and ')} replicate ${master.address}`).join('; ')})`,
      nodes: crowded.flatMap(({group, master}) => [...group.map((r) => r.address), master.address]),
    })
  }

  return warnings
}

/** The replicas of a master that share a host other than the master's, grouped by that host. */
function replicasSharingHosts(master: PlannedMaster): CreateNode[][] {
  const byHost = new Map<string, CreateNode[]>()
  for (const replica of master.replicas.filter((r) => r.host !== master.host)) {
    byHost.set(replica.host, [...(byHost.get(replica.host) ?? []), replica])
  }

  return [...byHost.values()].filter((group) => group.length > 1)
}
