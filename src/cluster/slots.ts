import {SLOT_COUNT} from './keyslot.js'
import {UsageError} from './errors.js'

/** An inclusive range of hash slots. */
export type SlotRange = {readonly end: number; readonly start: number}

export function isValidSlot(slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot < SLOT_COUNT
}

/** Collapses slots (in any order, duplicates allowed) into sorted, non-overlapping ranges. */
export function toRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b)
  const ranges: SlotRange[] = []
  let start = -1
  let end = -1
  for (const slot of sorted) {
    if (slot === end + 1 && start !== -1) {
      end = slot
      continue
    }

    if (start !== -1) ranges.push({end, start})
    start = slot
    end = slot
  }

  if (start !== -1) ranges.push({end, start})
  return ranges
}

/** Sorts ranges and merges those that overlap or touch. */
export function mergeRanges(ranges: readonly SlotRange[]): SlotRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  const merged: SlotRange[] = []
  for (const range of sorted) {
    const last = merged.at(-1)
    if (last && range.start <= last.end + 1)
      merged[merged.length - 1] = {end: Math.max(last.end, range.end), start: last.start}
    else merged.push(range)
  }

  return merged
}

export function* slotsOf(ranges: Iterable<SlotRange>): Generator<number> {
  for (const {end, start} of ranges) for (let slot = start; slot <= end; slot++) yield slot
}

export function countSlots(ranges: Iterable<SlotRange>): number {
  let count = 0
  for (const {end, start} of ranges) count += end - start + 1
  return count
}

/** `0-5460,5462` style, as operators write slot lists. */
export function formatRanges(ranges: readonly SlotRange[]): string {
  if (ranges.length === 0) return '-'
  return ranges.map(({end, start}) => (start === end ? `${start}` : `${start}-${end}`)).join(',')
}

/** The slots no range covers, as ranges. */
export function missingRanges(covered: Iterable<SlotRange>): SlotRange[] {
  const missing: SlotRange[] = []
  let next = 0
  for (const {end, start} of mergeRanges([...covered])) {
    if (start > next) missing.push({end: start - 1, start: next})
    next = Math.max(next, end + 1)
  }

  if (next < SLOT_COUNT) missing.push({end: SLOT_COUNT - 1, start: next})
  return missing
}

/** Parses `N` or `A-B` (inclusive), as given on the command line. */
export function parseSlotRange(input: string): SlotRange {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(input)
  const start = match ? Number(match[1]) : Number.NaN
  const end = match?.[2] === undefined ? start : Number(match[2])
  if (!isValidSlot(start) || !isValidSlot(end) || end < start) {
    throw new UsageError(`"${input}" is not a slot range`, {
      suggestions: [`Give a slot or an inclusive range within 0-${SLOT_COUNT - 1}, such as 100 or 100-199`],
    })
  }

  return {end, start}
}
