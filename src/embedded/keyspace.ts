/**
 * The keyspace of one node (Redis' db 0): values, expiry times, and an index of keys per hash slot for
 * CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, SCAN and for dropping the keys of a slot that moved away.
 */
import {keyHashSlot, SLOT_COUNT} from '../cluster/keyslot.js'
import {keyBuffer, type Value, valueSize} from './types.js'

/** How many keys with a TTL one active-expiry tick looks at. */
const ACTIVE_EXPIRE_BATCH = 200

export class Keyspace {
  private readonly values = new Map<string, Value>()
  private readonly expires = new Map<string, number>()
  private readonly slotKeys: (Set<string> | undefined)[] = new Array<Set<string> | undefined>(SLOT_COUNT)
  private expireCursor: IterableIterator<[string, number]> | undefined

  get size(): number {
    return this.values.size
  }

  get expiringCount(): number {
    return this.expires.size
  }

  /** The live value of `key`; a key whose time is up is deleted on the way (lazy expiry). */
  get(key: string, now?: number): Value | undefined {
    const value = this.values.get(key)
    // The clock is read only for a key with a TTL: most keys have none, and reading it shows in profiles.
    if (value === undefined || this.expires.size === 0) return value
    const expireAt = this.expires.get(key)
    if (expireAt !== undefined && expireAt <= (now ?? Date.now())) {
      this.delete(key)
      return undefined
    }

    return value
  }

  has(key: string): boolean {
    return this.get(key) !== undefined
  }

  /** Stores `value`; without `keepTtl` any TTL of the old value is dropped, like SET does. */
  set(key: string, value: Value, keepTtl = false): void {
    const size = this.values.size
    this.values.set(key, value)
    if (this.values.size !== size) this.indexKey(key)
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key)
  }

  /** Deletes the key if a collection became empty; call after removing elements. */
  dropIfEmpty(key: string, value: Value): void {
    if (valueSize(value) === 0) this.delete(key)
  }

  delete(key: string): boolean {
    if (!this.values.delete(key)) return false
    this.expires.delete(key)
    const slot = keyHashSlot(keyBuffer(key))
    const keys = this.slotKeys[slot]
    keys?.delete(key)
    if (keys?.size === 0) this.slotKeys[slot] = undefined
    return true
  }

  private indexKey(key: string): void {
    const slot = keyHashSlot(keyBuffer(key))
    let keys = this.slotKeys[slot]
    if (!keys) {
      keys = new Set()
      this.slotKeys[slot] = keys
    }

    keys.add(key)
  }

  expireAt(key: string): number | undefined {
    return this.expires.get(key)
  }

  /** Sets the absolute expiry time in unix ms; a time already past deletes the key. */
  setExpireAt(key: string, at: number): void {
    if (at <= Date.now()) this.delete(key)
    else this.expires.set(key, at)
  }

  persist(key: string): boolean {
    return this.expires.delete(key)
  }

  flush(): void {
    this.values.clear()
    this.expires.clear()
    this.slotKeys.fill(undefined)
  }

  countKeysInSlot(slot: number): number {
    return this.slotKeys[slot]?.size ?? 0
  }

  keysInSlot(slot: number, limit = Infinity): string[] {
    const keys: string[] = []
    for (const key of this.slotKeys[slot] ?? []) {
      if (keys.length >= limit) break
      keys.push(key)
    }

    return keys
  }

  deleteKeysInSlot(slot: number): number {
    const keys = this.keysInSlot(slot)
    for (const key of keys) this.delete(key)
    return keys.length
  }

  keys(): IterableIterator<string> {
    return this.values.keys()
  }

  /** Deletes a batch of expired keys; called on a timer so that keys nobody reads still go away. */
  activeExpireCycle(now = Date.now()): void {
    if (this.expires.size === 0) return
    this.expireCursor ??= this.expires.entries()
    for (let i = 0; i < ACTIVE_EXPIRE_BATCH; i++) {
      const next = this.expireCursor.next()
      if (next.done) {
        this.expireCursor = undefined
        return
      }

      const [key, at] = next.value
      if (at <= now) this.delete(key)
    }
  }
}
