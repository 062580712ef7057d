/** A ring buffer with O(1) pushes and pops at both ends, for lists (an Array's unshift is O(n)). */
export class Deque<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(8)
  private head = 0
  private count = 0

  get size(): number {
    return this.count
  }

  private grow(): void {
    const grown = new Array<T | undefined>(this.items.length * 2)
    for (let i = 0; i < this.count; i++) grown[i] = this.at(i)
    this.items = grown
    this.head = 0
  }

  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined
    return this.items[(this.head + index) % this.items.length]
  }

  pushBack(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) % this.items.length] = item
    this.count++
  }

  pushFront(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.head = (this.head - 1 + this.items.length) % this.items.length
    this.items[this.head] = item
    this.count++
  }

  popFront(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return item
  }

  popBack(): T | undefined {
    if (this.count === 0) return undefined
    const index = (this.head + this.count - 1) % this.items.length
    const item = this.items[index]
    this.items[index] = undefined
    this.count--
    return item
  }

  /** Items from `start` to `end` inclusive (already clamped by the caller). */
  slice(start: number, end: number): T[] {
    const out: T[] = []
    for (let i = start; i <= end; i++) {
      const item = this.at(i)
      if (item !== undefined) out.push(item)
    }

    return out
  }

  toArray(): T[] {
    return this.slice(0, this.count - 1)
  }
}
