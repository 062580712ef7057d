/**
 * What the reshard, apply and engine tests share: a key set of every type (some with TTLs) spread over all
 * slots, a checksum of every key and value read from the masters, and a client that increments counters
 * through a whole run and remembers every increment the cluster acknowledged.
 */
import {createHash} from 'node:crypto'
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Cluster, Redis} from 'ioredis'

import {keyHashSlot} from '../../src/cluster/keyslot.js'

/** A node to read or write; `password` when the cluster requires one. */
export type Node = {host: string; password?: string | undefined; port: number}

const client = (node: Node) =>
  new Redis({host: node.host, lazyConnect: false, maxRetriesPerRequest: 1, password: node.password, port: node.port})

/** Writes `count` keys of the five types, each straight to the master that owns its slot (CLUSTER SLOTS). */
export async function seedKeys(seed: Node, count: number): Promise<void> {
  const ownerOf = await slotOwners(seed)
  const connections = new Map<string, Redis>()
  const pipelines = new Map<string, ReturnType<Redis['pipeline']>>()
  const pipelineFor = (key: string) => {
    const owner = ownerOf[keyHashSlot(key)]!
    if (!connections.has(owner)) {
      const [host, port] = owner.split(':') as [string, string]
      const connection = client({host, port: Number(port), ...(seed.password ? {password: seed.password} : {})})
      connections.set(owner, connection)
      pipelines.set(owner, connection.pipeline())
    }

    return pipelines.get(owner)!
  }

  for (let i = 0; i < count; i++) {
    const kind = i % 5
    const key = `${'hlszk'[kind]}:${i}`
    const pipeline = pipelineFor(key)
    if (kind === 0) pipeline.hset(key, 'a', String(i), 'b', 'x'.repeat(i % 50))
    else if (kind === 1) pipeline.rpush(key, 'a', String(i))
    else if (kind === 2) pipeline.sadd(key, 'a', String(i))
    else if (kind === 3) pipeline.zadd(key, i, 'a', i + 1, 'b')
    else pipeline.set(key, 'v'.repeat(1 + (i % 100)), 'EX', i % 3 === 0 ? 3600 : 86_400 * 30)
  }

  await Promise.all([...pipelines.values()].map((pipeline) => pipeline.exec()))
  for (const connection of connections.values()) connection.disconnect()
}

/** Slot -> `host:port` of its owner, from the seed's CLUSTER SLOTS. */
async function slotOwners(seed: Node): Promise<string[]> {
  const connection = client(seed)
  try {
    const ranges = (await connection.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
    const owners: string[] = []
    for (const [start, end, [host, port]] of ranges)
      for (let slot = start; slot <= end; slot++) owners[slot] = `${host}:${port}`
    return owners
  } finally {
    connection.disconnect()
  }
}

/** Key count and a digest of every key, value and (rounded) TTL held by the given masters (counters aside). */
export async function checksum(masters: readonly Node[]): Promise<{digest: string; keys: number}> {
  const entries: string[] = []
  for (const master of masters) {
    const connection = client(master)
    try {
      // eslint-disable-next-line no-await-in-loop
      entries.push(...(await dumpAll(connection)))
    } finally {
      connection.disconnect()
    }
  }

  entries.sort()
  return {digest: createHash('sha256').update(entries.join('\n')).digest('hex'), keys: entries.length}
}

async function dumpAll(connection: Redis): Promise<string[]> {
  const entries: string[] = []
  let cursor = '0'
  do {
    // eslint-disable-next-line no-await-in-loop
    const [next, keys] = await connection.scan(cursor, 'COUNT', 1000)
    cursor = next
    const data = keys.filter((key) => !key.startsWith('counter:'))
    // eslint-disable-next-line no-await-in-loop
    const values = await Promise.all(data.map((key) => valueOf(connection, key)))
    data.forEach((key, i) => entries.push(`${key} ${values[i]}`))
  } while (cursor !== '0')
  return entries
}

/**
 * A key's value, read with the commands of its type and in a canonical order (DUMP payloads of hash tables
 * differ between servers), with its TTL in hours (TTLs tick down during a test).
 */
async function valueOf(connection: Redis, key: string): Promise<string> {
  const [type, ttl] = await Promise.all([connection.type(key), connection.pttl(key)])
  const read: Record<string, () => Promise<unknown>> = {
    hash: async () => Object.entries(await connection.hgetall(key)).sort(),
    list: () => connection.lrange(key, 0, -1),
    set: async () => (await connection.smembers(key)).sort(),
    string: () => connection.get(key),
    zset: () => connection.zrange(key, 0, -1, 'WITHSCORES'),
  }
  const value = JSON.stringify(await read[type]?.())
  return `${type} ${createHash('sha1').update(value).digest('hex')} ${ttl < 0 ? ttl : Math.round(ttl / 3_600_000)}`
}

/**
 * INCRs counters through an ioredis Cluster client until stopped, counting only acknowledged increments;
 * `stop` returns them with the errors seen and the counters' final values.
 */
export function incrementThroughout(seed: Node, counters = 50) {
  const cluster = new Cluster([seed], {enableOfflineQueue: true, redisOptions: {maxRetriesPerRequest: 3}})
  const acknowledged = new Map<string, number>()
  const errors: string[] = []
  let running = true
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const key = `counter:${i % counters}`
      try {
        // eslint-disable-next-line no-await-in-loop
        await cluster.incr(key)
        acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1)
      } catch (error) {
        errors.push((error as Error).message)
      }
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      const finals = new Map<string, number>()
      for (const key of acknowledged.keys()) finals.set(key, Number(await cluster.get(key)))
      cluster.disconnect()
      return {acknowledged, errors, finals}
    },
  }
}

/**
 * Asks `target` for one key in each of `slots`, over and over (ASKING then EXISTS, as a client redirected with
 * ASK does), pausing a moment between rounds so that embedded nodes in this process keep up with the run. Records the slots the target came to serve (refused with MOVED at first, served later), and
 * each slot it served and later sent back with MOVED: a client ASKed there at that moment bounces between
 * source and target, and gives up after its redirection limit.
 */
const PROBE_PAUSE_MS = 5

export function probeAskedServes(target: Node, slots: readonly number[]) {
  const connection = client(target)
  const keys = keysInSlots(slots)
  const refused = new Set<number>()
  const served = new Set<number>()
  const gained = new Set<number>()
  const sentBack = new Set<number>()
  let running = true
  const loop = (async () => {
    while (running) {
      const pipeline = connection.pipeline()
      for (const key of keys) pipeline.asking().exists(key)
      // eslint-disable-next-line no-await-in-loop
      const results = (await pipeline.exec()) ?? []
      for (const [i, slot] of slots.entries()) {
        const error = results[2 * i + 1]?.[0]
        if (!error) {
          served.add(slot)
          if (refused.has(slot)) gained.add(slot)
        } else if (!/^MOVED/.test(error.message)) throw error
        else if (served.has(slot)) sentBack.add(slot)
        else refused.add(slot)
      }

      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, PROBE_PAUSE_MS))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      connection.disconnect()
      return {gained: gained.size, sentBack: [...sentBack]}
    },
  }
}

/** One key per slot, found by trying `probe:N` names in turn. */
function keysInSlots(slots: readonly number[]): string[] {
  const wanted = new Map<number, string>()
  const open = new Set(slots)
  for (let n = 0; open.size > 0; n++) {
    const key = `probe:${n}`
    const slot = keyHashSlot(key)
    if (!open.delete(slot)) continue
    wanted.set(slot, key)
  }

  return slots.map((slot) => wanted.get(slot)!)
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Deletes the plan and journal a run without --plan-out saved under .slotctl/, for the benches, which run the
 * CLI in the repo root (tests run it in a scratchDir instead).
 */
export function removeSavedPlan(result: {stderr: string; stdout: string}): void {
  const file = /Plan saved to (\S+);/.exec(result.stderr)?.[1] ?? /"plan": "([^"]+)"/.exec(result.stdout)?.[1]
  if (file === undefined) return
  rmSync(join(ROOT, file), {force: true})
  rmSync(join(ROOT, `${file}.journal`), {force: true})
}
