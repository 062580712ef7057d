/** Pure building blocks for property tests of the planners: seeded randomness and small cluster shapes. */
import type {SlotRange} from '../../src/cluster/slots.js'

/** Mulberry32: a small seeded generator, so that a failing shape can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d_2b_79_f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** A 40-hex node id that sorts by `n`. */
export const nodeId = (n: number): string => `${String(n).padStart(2, '0')}${'a'.repeat(38)}`

export const range = (start: number, end: number): SlotRange => ({end, start})

/** Three masters with the even split redis-cli create makes, plus an empty fourth (a master just added). */
export const evenThreePlusEmpty = [
  {id: nodeId(1), slots: [range(0, 5460)]},
  {id: nodeId(2), slots: [range(5461, 10_922)]},
  {id: nodeId(3), slots: [range(10_923, 16_383)]},
  {id: nodeId(4), slots: [] as SlotRange[]},
]
