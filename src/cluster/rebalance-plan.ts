import {UsageError} from './errors.js'
import type {MoveStep} from './move-plan.js'
import {type MasterSlots, pickSlots} from './reshard-plan.js'
import {countSlots, slotsOf, toRanges} from './slots.js'

export type RebalanceRequest = {
  /** How far (in percent of its share) a master may be from its share and still count as balanced. */
  readonly threshold: number
  /** Give slots to masters that hold none (redis-cli leaves them out unless asked). */
  readonly useEmptyMasters: boolean
  /** Node id -> weight; masters not named weigh 1. Weight 0 empties a master. */
  readonly weights: ReadonlyMap<string, number>
}

/**
 * Where one master stands before and after the plan, counted in the plan's `unit`: slots (planRebalance) or
 * keys (planRebalanceByKeys). One type with the unit beside it, rather than two, so that the command, its
 * table and its JSON treat both the same.
 */
export type MasterBalance = {
  /** What it holds once the plan has run. */
  readonly after: number
  readonly before: number
  readonly id: string
  /** Its weighted share of the total, in whole slots or keys. */
  readonly share: number
  /** The most it may differ from its share and still be balanced. */
  readonly tolerance: number
  readonly weight: number
}

export type RebalanceUnit = 'keys' | 'slots'

export type RebalancePlan = {
  readonly balance: readonly MasterBalance[]
  readonly steps: readonly MoveStep[]
  readonly unit: RebalanceUnit
}

/**
 * The fewest slot moves that bring every involved master within `threshold` percent of its weighted share
 * (exactly to it with threshold 0). Masters already within it keep their slots; one that must give or take
 * stops at the edge of its tolerance unless the total needs more. Slots are picked so that both sides keep
 * few contiguous ranges. Deterministic for the same masters and request, in any order.
 */
export function planRebalance(masters: readonly MasterSlots[], request: RebalanceRequest): RebalancePlan {
  validateRebalance(request)
  const involved = involvedMasters(masters, request)
  const balance = balanceOf(
    involved.map((m) => countSlots(m.slots)),
    involved,
    request,
  )
  if (balance.every(withinTolerance)) {
    return {balance: balance.map((master) => ({...master, after: master.before})), steps: [], unit: 'slots'}
  }

  const settled = settle(balance)
  return {balance: settled, steps: pairMoves(involved, settled), unit: 'slots'}
}

/** The masters a rebalance weighs, by id: those with slots, those given a weight, and with --use-empty-masters all. */
export function involvedMasters(masters: readonly MasterSlots[], request: RebalanceRequest): MasterSlots[] {
  return [...masters]
    .filter((m) => request.useEmptyMasters || request.weights.has(m.id) || countSlots(m.slots) > 0)
    .sort((a, b) => compareIds(a.id, b.id))
}

export const withinTolerance = (master: MasterBalance): boolean =>
  Math.abs(master.before - master.share) <= master.tolerance

/** Refuses a threshold outside 0-100 and a negative or non-numeric weight (UsageError, exit 2). */
export function validateRebalance(request: RebalanceRequest): void {
  if (!Number.isFinite(request.threshold) || request.threshold < 0 || request.threshold > 100) {
    throw new UsageError(`--threshold ${request.threshold} is not a percentage from 0 to 100`, {
      code: 'BAD_THRESHOLD',
      suggestions: ['Give --threshold 2 (the default), or 0 to balance exactly'],
    })
  }

  for (const [id, weight] of request.weights) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new UsageError(`--weight ${id.slice(0, 8)}=${weight}: a weight must be a number of 0 or more`, {
        code: 'BAD_WEIGHT',
        suggestions: ['Give --weight ID=W with W like 1, 2 or 0.5; 0 empties the master'],
      })
    }
  }
}

/**
 * Each involved master's share of what they hold together (`held[i]`: slots or keys of `involved[i]`), split
 * by weight with largest remainders, with its tolerance; `after` is still `before`.
 */
export function balanceOf(
  held: readonly number[],
  involved: readonly MasterSlots[],
  request: RebalanceRequest,
): MasterBalance[] {
  const weights = involved.map((m) => request.weights.get(m.id) ?? 1)
  const totalWeight = weights.reduce((sum, w) => sum + w, 0)
  if (involved.length === 0 || totalWeight === 0) {
    throw new UsageError('every master would weigh 0: nobody would hold the slots', {
      code: 'BAD_WEIGHT',
      suggestions: ['Leave at least one master with a weight above 0 (masters not named in --weight weigh 1)'],
    })
  }

  const total = held.reduce((sum, n) => sum + n, 0)
  const exact = weights.map((w) => (total * w) / totalWeight)
  const shares = exact.map((value) => Math.floor(value))
  let left = total - shares.reduce((sum, s) => sum + s, 0)
  const byRemainder = exact.map((value, i) => ({i, rest: value - Math.floor(value)})).sort((a, b) => b.rest - a.rest)
  for (const {i} of byRemainder) {
    if (left-- <= 0) break
    shares[i]!++
  }

  return involved.map((master, i) => {
    const share = shares[i]!
    const before = held[i]!
    return {
      after: before,
      before,
      id: master.id,
      share,
      tolerance: Math.floor((share * request.threshold) / 100),
      weight: weights[i]!,
    }
  })
}

/**
 * Final slot counts: each master clamped into [share - tolerance, share + tolerance], then the surplus or
 * shortfall that clamping leaves is spread one slot at a time over the masters furthest from their share.
 * Every slot placed that way is one move either way, so the total stays the least possible.
 */
function settle(balance: readonly MasterBalance[]): MasterBalance[] {
  const lo = (m: MasterBalance) => m.share - m.tolerance
  const hi = (m: MasterBalance) => m.share + m.tolerance
  const after = balance.map((m) => Math.min(hi(m), Math.max(lo(m), m.before)))
  let excess = after.reduce((sum, n) => sum + n, 0) - balance.reduce((sum, m) => sum + m.before, 0)
  while (excess !== 0) {
    const giving = excess > 0
    let best = -1
    for (const [i, m] of balance.entries()) {
      const movable = giving ? after[i]! > lo(m) : after[i]! < hi(m)
      const gap = (after[i]! - m.share) * (giving ? 1 : -1)
      if (movable && (best < 0 || gap > (after[best]! - balance[best]!.share) * (giving ? 1 : -1))) best = i
    }

    after[best]! += giving ? -1 : 1
    excess += giving ? -1 : 1
  }

  return balance.map((m, i) => ({...m, after: after[i]!}))
}

/** Donors give to receivers, biggest first, so that the number of (source, target) steps stays small. */
function pairMoves(involved: readonly MasterSlots[], balance: readonly MasterBalance[]): MoveStep[] {
  const owned = new Map(involved.map((m) => [m.id, new Set(slotsOf(m.slots))]))
  const byAmount = (sign: number) =>
    balance
      .map((m) => ({id: m.id, left: (m.before - m.after) * sign}))
      .filter((m) => m.left > 0)
      .sort((a, b) => b.left - a.left || compareIds(a.id, b.id))
  const donors = byAmount(1)
  const receivers = byAmount(-1)
  const steps: MoveStep[] = []
  for (let d = 0, r = 0; d < donors.length && r < receivers.length;) {
    const donor = donors[d]!
    const receiver = receivers[r]!
    const count = Math.min(donor.left, receiver.left)
    const from = owned.get(donor.id)!
    const to = owned.get(receiver.id)!
    const slots = pickSlots(toRanges(from), to, count)
    for (const slot of slots) {
      from.delete(slot)
      to.add(slot)
    }

    steps.push({from: donor.id, kind: 'move', slots: toRanges(slots), to: receiver.id})
    donor.left -= count
    receiver.left -= count
    if (donor.left === 0) d++
    if (receiver.left === 0) r++
  }

  return steps
}

export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
