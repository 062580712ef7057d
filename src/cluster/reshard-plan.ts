import {UsageError} from './errors.js'
import {SLOT_COUNT} from './keyslot.js'
import type {MoveStep} from './move-plan.js'
import {countSlots, formatRanges, type SlotRange, slotsOf, toRanges} from './slots.js'

/** A master and the slots it owns, as the planner sees it. */
export type MasterSlots = {readonly id: string; readonly slots: readonly SlotRange[]}

/** Move `count` slots to the target, taken from the sources in proportion to what each holds. */
export type CountRequest = {readonly count: number; readonly sources: readonly string[]; readonly target: string}
/** Move exactly these slots to the target, from whichever masters own them. */
export type RangeRequest = {readonly ranges: readonly SlotRange[]; readonly target: string}
export type ReshardRequest = CountRequest | RangeRequest

/**
 * The move steps of a reshard, one per source that gives slots. Deterministic: the same masters and
 * request give the same steps, whatever order the masters come in.
 */
export function planReshard(masters: readonly MasterSlots[], request: ReshardRequest): MoveStep[] {
  return 'ranges' in request ? planRanges(masters, request) : planCount(masters, request)
}

function planCount(masters: readonly MasterSlots[], request: CountRequest): MoveStep[] {
  const byId = new Map(masters.map((master) => [master.id, master]))
  const sources = request.sources.flatMap((id) => byId.get(id) ?? []).filter((source) => source.id !== request.target)
  if (sources.length === 0) {
    throw new UsageError('--from names no master other than the target', {
      code: 'NO_SOURCES',
      suggestions: ['Give --from all, or the ids or host:port of masters other than --to'],
    })
  }

  const held = sources.reduce((sum, source) => sum + countSlots(source.slots), 0)
  if (!Number.isInteger(request.count) || request.count < 1) {
    throw new UsageError(`--slots ${request.count} is not a positive whole number`, {
      suggestions: [`Give a number of slots from 1 to ${Math.max(held, 1)}`],
    })
  }

  if (request.count > held) {
    throw new UsageError(`--slots ${request.count} is more than the ${held} slots the sources own`, {
      code: 'NOT_ENOUGH_SLOTS',
      suggestions: [
        held > 0 ? `Move at most ${held} slots, or add sources with --from` : 'Pick sources that own slots with --from',
      ],
    })
  }

  const quotas = proportionalQuotas(sources, request.count)
  const target = new Set(slotsOf(byId.get(request.target)?.slots ?? []))
  return orderSources(sources).flatMap((source) => {
    const taken = pickSlots(source.slots, target, quotas.get(source.id) ?? 0)
    for (const slot of taken) target.add(slot)
    return taken.length > 0 ? [moveStep(source.id, request.target, taken)] : []
  })
}

function planRanges(masters: readonly MasterSlots[], request: RangeRequest): MoveStep[] {
  const ownerOf = new Map<number, string>()
  for (const master of masters) for (const slot of slotsOf(master.slots)) ownerOf.set(slot, master.id)
  const wanted = toRanges(slotsOf(request.ranges))
  const bySource = new Map<string, number[]>()
  const unowned: number[] = []
  const already: number[] = []
  for (const slot of slotsOf(wanted)) {
    const owner = ownerOf.get(slot)
    if (owner === undefined) unowned.push(slot)
    else if (owner === request.target) already.push(slot)
    else bySource.set(owner, [...(bySource.get(owner) ?? []), slot])
  }

  if (unowned.length > 0) throw rangeError(`slots ${formatRanges(toRanges(unowned))} have no owner`, 'slotctl fix ADDR')
  if (already.length > 0) {
    throw rangeError(
      `slots ${formatRanges(toRanges(already))} already belong to the target`,
      'Leave them out of --range',
    )
  }

  return [...bySource]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([from, slots]) => moveStep(from, request.target, slots))
}

function rangeError(message: string, suggestion: string): UsageError {
  return new UsageError(`--range: ${message}`, {code: 'BAD_RANGE', suggestions: [suggestion]})
}

const moveStep = (from: string, to: string, slots: number[]): MoveStep => ({
  from,
  kind: 'move',
  slots: toRanges(slots),
  to,
})

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Biggest holders first, then by id: the order sources give slots in. */
function orderSources(sources: readonly MasterSlots[]): MasterSlots[] {
  return [...sources].sort((a, b) => countSlots(b.slots) - countSlots(a.slots) || compareIds(a.id, b.id))
}

/**
 * Splits `count` over the sources in proportion to the slots each holds, exactly (largest remainder):
 * the shares add up to `count`, each is within one of its exact proportion, and none exceeds its holding.
 */
export function proportionalQuotas(sources: readonly MasterSlots[], count: number): Map<string, number> {
  const held = sources.map((source) => ({id: source.id, slots: countSlots(source.slots)}))
  const total = held.reduce((sum, source) => sum + source.slots, 0)
  const shares = held.map(({id, slots}) => ({
    id,
    quota: Math.floor((count * slots) / total),
    remainder: (count * slots) % total,
    slots,
  }))
  let left = count - shares.reduce((sum, share) => sum + share.quota, 0)
  const byRemainder = [...shares].sort(
    (a, b) => b.remainder - a.remainder || b.slots - a.slots || compareIds(a.id, b.id),
  )
  for (const share of byRemainder) {
    if (left === 0) break
    share.quota++
    left--
  }

  return new Map(shares.map(({id, quota}) => [id, quota]))
}

/**
 * Chooses `count` of the source's slots so that both sides stay in few contiguous ranges: first the ends
 * of source ranges that touch the target's slots, then whole small ranges, then the top of the largest
 * range. Taking only ends or whole ranges never splits a source range.
 */
export function pickSlots(source: readonly SlotRange[], target: ReadonlySet<number>, count: number): number[] {
  const owned = new Set(slotsOf(source))
  const taken: number[] = []
  const takenSet = new Set<number>()
  const takeFromEnd = (range: SlotRange, fromTop: boolean, wanted: number) => {
    for (let i = 0; i < wanted; i++) {
      const slot = fromTop ? range.end - i : range.start + i
      owned.delete(slot)
      taken.push(slot)
      takenSet.add(slot)
    }
  }

  for (let left = count; left > 0; left = count - taken.length) {
    const ranges = toRanges(owned)
    const touches = (slot: number) => slot >= 0 && slot < SLOT_COUNT && (target.has(slot) || takenSet.has(slot))
    const adjacent = ranges.find((range) => touches(range.start - 1) || touches(range.end + 1))
    const size = (range: SlotRange) => range.end - range.start + 1
    if (adjacent) {
      takeFromEnd(adjacent, !touches(adjacent.start - 1), Math.min(left, size(adjacent)))
      continue
    }

    const byLargest = [...ranges].sort((a, b) => size(b) - size(a) || a.start - b.start)
    const whole = byLargest.find((range) => size(range) <= left)
    if (whole) takeFromEnd(whole, true, size(whole))
    else if (byLargest[0]) takeFromEnd(byLargest[0], true, left)
    else break
  }

  return taken.sort((a, b) => a - b)
}
