/**
 * A sorted set: scores by member, plus the (score, member) order built on demand and kept until the next
 * change. Members are latin1 strings, so comparing them as strings compares their bytes, as Redis does.
 */
export class SortedSet {
  private readonly scores = new Map<string, number>()
  private ordered: string[] | undefined

  get size(): number {
    return this.scores.size
  }

  score(member: string): number | undefined {
    return this.scores.get(member)
  }

  set(member: string, score: number): void {
    if (this.scores.get(member) === score) return
    this.scores.set(member, score)
    this.ordered = undefined
  }

  delete(member: string): boolean {
    const deleted = this.scores.delete(member)
    if (deleted) this.ordered = undefined
    return deleted
  }

  /** Members by ascending score, ties broken by member bytes. */
  members(): readonly string[] {
    this.ordered ??= [...this.scores.keys()].sort((a, b) => this.compare(a, b))
    return this.ordered
  }

  entries(): IterableIterator<[string, number]> {
    return this.scores.entries()
  }

  private compare(a: string, b: string): number {
    const scoreA = this.scores.get(a) ?? 0
    const scoreB = this.scores.get(b) ?? 0
    if (scoreA !== scoreB) return scoreA < scoreB ? -1 : 1
    return a < b ? -1 : a > b ? 1 : 0
  }
}
