import type {MoveStep} from './move-plan.js'
import {
  balanceOf,
  compareIds,
  involvedMasters,
  type MasterBalance,
  type RebalancePlan,
  type RebalanceRequest,
  validateRebalance,
  withinTolerance,
} from './rebalance-plan.js'
import type {MasterSlots} from './reshard-plan.js'
import {mergeRanges, slotsOf, toRanges} from './slots.js'

/** A slot that holds more keys than the tolerance of a master left outside it: slots move whole. */
export type HeavySlot = {readonly keys: number; readonly owner: string; readonly slot: number}

/**
 * A rebalance by keys: the balance is in keys (`unit: 'keys'`). `heavySlots` is empty when every master ends
 * within its tolerance; otherwise it names the biggest slots (at most five) whose keys alone are more than the
 * smallest tolerance of the masters left outside it, which is why whole slots could not do better.
 */
export type KeyRebalancePlan = RebalancePlan & {readonly heavySlots: readonly HeavySlot[]; readonly unit: 'keys'}

const HEAVY_SLOTS_SHOWN = 5

/**
 * Slot moves that bring every involved master within `threshold` percent of its weighted share of the keys.
 * `keys` is slot -> keys it holds (missing: none). Masters already within their tolerance keep their slots
 * unless the others cannot settle without them; no master both gives and takes. A giver gives the top and
 * bottom ends of its ranges or whole ranges, so it never ends up with more ranges. Slots move whole: when a
 * slot holds more keys than a tolerance, masters end as close as whole slots allow and `heavySlots` says so.
 * Masters that move aim inside their tolerance by M, the most keys in one slot, so that rounding to whole
 * slots keeps them within it wherever M is no more than the tolerance (the unit tests check max(tolerance, M)
 * on random shapes). Linear in slots (plus masters x log keys); deterministic for the same input in any order.
 */
export function planRebalanceByKeys(
  masters: readonly MasterSlots[],
  keys: ReadonlyMap<number, number>,
  request: RebalanceRequest,
): KeyRebalancePlan {
  validateRebalance(request)
  const involved = involvedMasters(masters, request).map((m) => ({id: m.id, slots: mergeRanges(m.slots)}))
  const keysIn = (slot: number) => keys.get(slot) ?? 0
  let largest = 0
  const held = involved.map((m) => {
    let sum = 0
    for (const slot of slotsOf(m.slots)) {
      sum += keysIn(slot)
      largest = Math.max(largest, keysIn(slot))
    }

    return sum
  })
  const balance = balanceOf(held, involved, request)
  const emptying = (i: number) => balance[i]!.weight === 0 && involved[i]!.slots.length > 0
  if (balance.every((m, i) => withinTolerance(m) && !emptying(i))) {
    return {balance, heavySlots: [], steps: [], unit: 'keys'}
  }

  const targets = targetsOf(balance, largest)
  const {after, steps} = streamMoves(involved, balance, targets, keysIn, emptying)
  const settled = balance.map((m, i) => ({...m, after: after[i]!}))
  return {balance: settled, heavySlots: heavySlots(involved, settled, keysIn), steps, unit: 'keys'}
}

/**
 * The keys each master should end with. A master outside its tolerance aims inside it by M (the most keys in
 * one slot, capped at the tolerance), since whole slots land up to M away from an aim. What that leaves over
 * or short comes first from the masters that already give (or take), then from those within tolerance, each
 * time levelling the ones furthest from their share.
 */
function targetsOf(balance: readonly MasterBalance[], largest: number): number[] {
  const inner = balance.map((m) => (m.weight === 0 ? 0 : Math.max(0, m.tolerance - largest)))
  const moving = balance.map((m) => !withinTolerance(m) || m.weight === 0)
  const after = balance.map((m, i) =>
    moving[i] ? Math.min(m.share + inner[i]!, Math.max(m.share - inner[i]!, m.before)) : m.before,
  )
  const excess = after.reduce((sum, n) => sum + n, 0) - balance.reduce((sum, m) => sum + m.before, 0)
  if (excess === 0) return after
  // Too much taken: lower the givers further, then those within tolerance. Too much given: the same, negated.
  const sign = excess > 0 ? 1 : -1
  const values = after.map((n) => n * sign)
  const shares = balance.map((m) => m.share * sign)
  const floors = values.map((n, i) => Math.min(n, shares[i]! - inner[i]!))
  const sameSide = balance.flatMap((m, i) => (values[i]! < m.before * sign ? [i] : []))
  const others = balance.flatMap((_, i) => (moving[i] ? [] : [i]))
  const left = level(values, shares, floors, sameSide, Math.abs(excess))
  level(values, shares, floors, others, left)
  return values.map((n) => n * sign)
}

/**
 * Lowers `values[i]` (never below `floors[i]`) of the masters in `members` by `amount` in total, highest above
 * its share first: every master above a common level comes down to it. Returns what could not be lowered.
 */
function level(values: number[], shares: readonly number[], floors: readonly number[], members: number[], amount: number) {
  const at = (i: number, line: number) => Math.max(floors[i]!, Math.min(values[i]!, shares[i]! + line))
  const lowered = (line: number) => members.reduce((sum, i) => sum + values[i]! - at(i, line), 0)
  if (amount <= 0 || members.length === 0) return amount
  let high = Math.max(...members.map((i) => values[i]! - shares[i]!))
  let low = Math.min(...members.map((i) => floors[i]! - shares[i]!))
  if (lowered(low) <= amount) {
    const all = lowered(low)
    for (const i of members) values[i] = floors[i]!
    return amount - all
  }

  // The highest whole level that lowers enough: lowered(low) >= amount > lowered(high).
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2)
    if (lowered(mid) >= amount) low = mid
    else high = mid
  }

  let rest = amount - lowered(high)
  const next = members.map((i) => at(i, high))
  for (const [n, i] of members.entries()) {
    const step = rest > 0 && at(i, low) < next[n]! ? 1 : 0
    values[i] = next[n]! - step
    rest -= step
  }

  return 0
}

/**
 * The moves, as one stream. Givers in turn offer the top end, then the bottom end, of each of their ranges,
 * one slot at a time; a slot goes when that brings the keys given so far nearer the givers' running aim (it
 * ends at most half its keys past it). Receivers take the stream in turn, each the slots whose middle falls
 * within its running aim, so that errors do not pile up from one master to the next. Empty slots go only
 * along with a slot with keys beyond them, and a giver of weight 0 gives every slot. A slot that would leave
 * its receiver further above its tolerance than the giver is now, or the giver further below its tolerance
 * than the receiver is now, stays: it cannot be split, and the two end level rather than swap places.
 */
function streamMoves(
  involved: readonly MasterSlots[],
  balance: readonly MasterBalance[],
  targets: readonly number[],
  keysIn: (slot: number) => number,
  emptying: (i: number) => boolean,
): {after: number[]; steps: MoveStep[]} {
  const amount = (i: number) => Math.abs(targets[i]! - balance[i]!.before)
  const byAmount = (a: number, b: number) => amount(b) - amount(a) || compareIds(balance[a]!.id, balance[b]!.id)
  const indices = balance.map((_, i) => i)
  const givers = indices
    .filter((i) => targets[i]! < balance[i]!.before || emptying(i))
    .sort((a, b) => Number(emptying(b)) - Number(emptying(a)) || byAmount(a, b))
  const receivers = indices.filter((i) => targets[i]! > balance[i]!.before).sort(byAmount)
  // Nothing but empty slots to place (a master of weight 0 holding no keys): to the master furthest below its share.
  if (receivers.length === 0) {
    const above = (i: number) => balance[i]!.before - balance[i]!.share
    receivers.push(indices.filter((i) => balance[i]!.weight > 0).sort((a, b) => above(a) - above(b) || a - b)[0]!)
  }

  const ends: number[] = []
  for (const i of receivers) ends.push((ends.at(-1) ?? 0) + amount(i))
  const after = balance.map((m) => m.before)
  // How far a master would be above the top, or below the bottom, of its tolerance with `keys` more.
  const overTop = (i: number, keys: number) => after[i]! + keys - balance[i]!.share - balance[i]!.tolerance
  const underBottom = (i: number, keys: number) => balance[i]!.share - balance[i]!.tolerance - after[i]! - keys
  const pieces = new Map<string, {from: number; keys: number; slots: number[]; to: number}>()
  let streamed = 0
  let receiver = 0
  /** The receiver whose running aim holds the middle of the next slot (binary search: slots x log masters). */
  const receiverOf = (keys: number) => {
    let [low, high] = [receiver, receivers.length - 1]
    while (low < high) {
      const mid = Math.floor((low + high) / 2)
      if (2 * ends[mid]! > 2 * streamed + keys) high = mid
      else low = mid + 1
    }

    return low
  }

  const give = (from: number, at: number, slots: readonly number[], keys: number) => {
    const to = receivers[at]!
    const piece = pieces.get(`${from} ${to}`) ?? {from, keys: 0, slots: [], to}
    piece.keys += keys
    piece.slots.push(...slots)
    pieces.set(`${from} ${to}`, piece)
    after[from]! -= keys
    after[to]! += keys
    streamed += keys
    receiver = at
  }

  let aim = 0
  /** Gives slots from `first` to `last` (down when `direction` is -1) while wanted; returns the first one kept. */
  const scan = (from: number, first: number, last: number, direction: -1 | 1, all: boolean): number => {
    let empty: number[] = []
    let slot = first
    for (; direction * (last - slot) >= 0; slot += direction) {
      const keys = keysIn(slot)
      if (keys === 0 && !all) {
        empty.push(slot)
        continue
      }

      if (!all && 2 * streamed + keys >= 2 * aim) break
      const at = receiverOf(keys)
      // A slot too big to split stays where moving it leaves one side further out than the other was.
      const over = overTop(receivers[at]!, keys)
      const under = underBottom(from, -keys)
      if (!all && ((over > 0 && over >= overTop(from, 0)) || (under > 0 && under >= underBottom(receivers[at]!, 0))))
        break

      give(from, at, [...empty, slot], keys)
      empty = []
    }

    return slot - direction * empty.length
  }

  for (const from of givers) {
    aim += amount(from)
    // A giver of weight 0 aims at 0 keys (its amount is all it holds) and gives its empty slots too.
    const all = emptying(from)
    for (const range of involved[from]!.slots) {
      if (!all && streamed >= aim) break
      const top = scan(from, range.end, range.start, -1, all)
      if (top >= range.start) scan(from, range.start, top, 1, all)
    }
  }

  const steps = [...pieces.values()].map(
    (piece): MoveStep => ({
      estimatedKeys: piece.keys,
      from: balance[piece.from]!.id,
      kind: 'move',
      slots: toRanges(piece.slots),
      to: balance[piece.to]!.id,
    }),
  )
  return {after, steps}
}

/** The biggest slots with more keys than the smallest tolerance of a master that ended outside it. */
function heavySlots(
  involved: readonly MasterSlots[],
  balance: readonly MasterBalance[],
  keysIn: (slot: number) => number,
): HeavySlot[] {
  const outside = balance.filter((m) => !withinTolerance({...m, before: m.after}))
  if (outside.length === 0) return []
  const limit = Math.min(...outside.map((m) => m.tolerance))
  const heavy: HeavySlot[] = []
  for (const master of involved) {
    for (const slot of slotsOf(master.slots)) {
      if (keysIn(slot) > limit) heavy.push({keys: keysIn(slot), owner: master.id, slot})
    }
  }

  return heavy.sort((a, b) => b.keys - a.keys || a.slot - b.slot).slice(0, HEAVY_SLOTS_SHOWN)
}
