/**
 * The node's keys on disk: dump.rdb in its directory, written with the RDB codec (so redis-server and
 * redis-check-rdb read it too) and loaded at start, so that a node restarted on its directory keeps its data.
 *
 * When it is written: always on a clean shutdown (close, SIGTERM to the daemon), and, when the node is started
 * with `saveDelayMs`, that long after a write, so that a crash loses at most the last moments. The node cannot
 * fork like Redis' BGSAVE, so a save blocks it; saves are spaced so that they take at most a tenth of the time.
 */
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Keyspace} from './keyspace.js'
import {fromPortable, toPortable} from './portable.js'
import {type RdbEntry, readRdbFile, writeRdbFile} from './rdb/index.js'
import {keyBuffer, keyString} from './types.js'

export const SNAPSHOT_FILE = 'dump.rdb'

/** A save that took d ms is followed by the next one no sooner than this many times d later. */
const SAVE_SPACING_FACTOR = 10

/** The live keys of `keyspace` as RDB entries, with their expiry. */
export function* keyspaceEntries(keyspace: Keyspace): Generator<RdbEntry> {
  for (const key of keyspace.keys()) {
    const value = keyspace.get(key)
    if (!value) continue
    const expireAtMs = keyspace.expireAt(key)
    yield {key: keyBuffer(key), value: toPortable(value), ...(expireAtMs === undefined ? {} : {expireAtMs})}
  }
}

/** Writes the keys to `dir`/dump.rdb through a temporary file, so a crash mid-save leaves the last good one. */
export function saveSnapshot(dir: string, keyspace: Keyspace): void {
  mkdirSync(dir, {recursive: true})
  const file = join(dir, SNAPSHOT_FILE)
  writeFileSync(`${file}.tmp`, writeRdbFile(keyspaceEntries(keyspace)))
  renameSync(`${file}.tmp`, file)
}

/** Loads `dir`/dump.rdb into `keyspace` when there is one (keys whose time is up stay out); returns the count. */
export function loadSnapshot(dir: string, keyspace: Keyspace, now = Date.now()): number {
  const file = join(dir, SNAPSHOT_FILE)
  if (!existsSync(file)) return 0
  let loaded = 0
  for (const {db, expireAtMs, key, value} of readRdbFile(readFileSync(file))) {
    if (db !== 0 || (expireAtMs !== undefined && expireAtMs <= now)) continue
    const name = keyString(key)
    keyspace.set(name, fromPortable(value))
    if (expireAtMs !== undefined) keyspace.setExpireAt(name, expireAtMs)
    loaded++
  }

  return loaded
}

/** Decides when to save: some time after the first unsaved write, never more than a tenth of the time. */
export class SaveSchedule {
  private savedWrites = 0
  private firstUnsavedAt: number | undefined
  private nextAllowedAt = 0

  constructor(private readonly delayMs: number) {}

  /** Whether writes happened since the last save (or since the start, whose keys came from the file). */
  unsaved(writes: number): boolean {
    return writes !== this.savedWrites
  }

  /** Whether to save now, given the count of writes so far. */
  due(writes: number, now: number): boolean {
    if (!this.unsaved(writes)) return false
    this.firstUnsavedAt ??= now
    return now - this.firstUnsavedAt >= this.delayMs && now >= this.nextAllowedAt
  }

  saved(writes: number, startedAt: number, endedAt: number): void {
    this.savedWrites = writes
    this.firstUnsavedAt = undefined
    this.nextAllowedAt = endedAt + SAVE_SPACING_FACTOR * (endedAt - startedAt)
  }
}
