/**
 * `import`: the keys of a standalone Redis into a cluster. SCAN the source, group each batch by the master
 * that owns each key's slot, and MIGRATE ... KEYS to it (several keys per round trip, where redis-cli sends
 * one). MIGRATE deletes a key from the source only once the target has it, so nothing is lost on the way.
 */
import {parseAddress} from '../cluster/address.js'
import {ConnectionError, UsageError} from '../cluster/errors.js'
import {parseInfo} from '../cluster/info.js'
import {keyHashSlot, SLOT_COUNT} from '../cluster/keyslot.js'
import {type ClusterSnapshot, seedView} from '../cluster/snapshot.js'
import {slotsOf} from '../cluster/slots.js'
import type {NodePool} from '../redis/connection.js'
import {migrateAuthArgs} from '../redis/settings.js'
import {addressOf, readCluster} from '../redis/discover.js'
import {messageOf, requireHealthy} from './nodes.js'

export type ImportOptions = {
  /** Keys per MIGRATE. */
  readonly batchSize: number
  /** Leave the keys on the source (MIGRATE COPY). */
  readonly copy: boolean
  /** Told after each batch how many keys it settled (moved, found there already, or left behind). */
  readonly onProgress?: (settled: number) => void
  /** Overwrite keys the cluster already has (MIGRATE REPLACE). */
  readonly replace: boolean
  /** MIGRATE's own timeout, per batch. */
  readonly timeoutMs: number
}

export type ImportCounts = {
  /** Keys the cluster already held with the very same value: nothing to move. */
  alreadyThere: number
  /** Keys the cluster already held with another value, left on the source (no --replace). */
  busy: number
  /** Keys that could not be moved for another reason, left on the source. */
  failed: number
  moved: number
  /** The first keys left behind (up to 10), with the reason, for the report. */
  samples: Array<{key: string; reason: string}>
  /** DBSIZE of the source before the import. */
  sourceKeys: number
}

export type PreparedImport = {
  readonly owners: readonly string[]
  readonly snapshot: ClusterSnapshot
  readonly sourceKeys: number
}

/** Reads the cluster (it must be healthy) and the source (it must be standalone). Changes nothing. */
export async function prepareImport(
  pool: NodePool,
  source: NodePool,
  seed: string,
  from: string,
): Promise<PreparedImport> {
  const snapshot = await readCluster(pool, seed)
  requireHealthy(snapshot, 'import')
  const info = parseInfo(
    String(await source.call(from, 'INFO', 'cluster').catch((error: unknown) => refusedBy(from, error))),
  )
  if (info.cluster_enabled === '1') {
    throw new UsageError(`--from ${from} is a cluster node: import reads a standalone Redis`, {
      code: 'SOURCE_IS_CLUSTER',
      suggestions: ['Point --from at a standalone server; to move slots between clusters, use reshard'],
    })
  }

  return {owners: ownerAddresses(snapshot), snapshot, sourceKeys: Number(await source.call(from, 'DBSIZE'))}
}

function refusedBy(from: string, error: unknown): never {
  if (/NOAUTH|WRONGPASS|NOPERM/.test(messageOf(error))) {
    throw new ConnectionError(`--from ${from} refused the request: ${messageOf(error)}`, {
      code: 'AUTH_REQUIRED',
      suggestions: ["Pass the source's password with --from-password or REDISCLI_FROM_AUTH (and --from-user)"],
    })
  }

  throw error
}

/** Slot → address of its master, as the seed sees it. */
function ownerAddresses(snapshot: ClusterSnapshot): string[] {
  const owners = Array.from({length: SLOT_COUNT}, () => '')
  for (const line of seedView(snapshot)) {
    if (line.role === 'master') for (const slot of slotsOf(line.slots)) owners[slot] = addressOf(line)
  }

  return owners
}

/** Scans the source and migrates every key to its owner, batch by batch. */
export async function runImport(
  pool: NodePool,
  source: NodePool,
  from: string,
  prepared: PreparedImport,
  options: ImportOptions,
): Promise<ImportCounts> {
  let counts = none()
  const migrate = migrator(pool, source, from, options)
  let cursor = '0'
  do {
    // Keys as bytes: a key that is not valid UTF-8 must arrive unchanged.
    // eslint-disable-next-line no-await-in-loop
    const [next, keys] = (await (await source.connect(from)).callBuffer('SCAN', cursor, 'COUNT', 1000)) as [
      Buffer,
      Buffer[],
    ]
    cursor = next.toString()
    // Every batch of the page at once: MIGRATEs queue on the source connection with no round trip between them.
    const batches = [...groupByOwner(keys, prepared.owners)].flatMap(([owner, group]) =>
      chunksOf(group, options.batchSize).map(async (batch) => {
        const outcome = await migrate(owner, batch)
        options.onProgress?.(batch.length)
        return outcome
      }),
    )
    // eslint-disable-next-line no-await-in-loop
    counts = (await Promise.all(batches)).reduce(merge, counts)
  } while (cursor !== '0')
  return {...counts, sourceKeys: prepared.sourceKeys}
}

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  return Array.from({length: Math.ceil(items.length / size)}, (_, i) => items.slice(i * size, (i + 1) * size))
}

function groupByOwner(keys: readonly Buffer[], owners: readonly string[]): Map<string, Buffer[]> {
  const groups = new Map<string, Buffer[]>()
  for (const key of keys) {
    const owner = owners[keyHashSlot(key)] ?? ''
    groups.set(owner, [...(groups.get(owner) ?? []), key])
  }

  return groups
}

type Outcome = Omit<ImportCounts, 'sourceKeys'>

const none = (): Outcome => ({alreadyThere: 0, busy: 0, failed: 0, moved: 0, samples: []})

/**
 * MIGRATE of a batch; when the batch fails (a key the cluster already has, say), each key is tried on its own,
 * so that one busy key does not hold back the others and each key left behind is counted with its reason.
 */
function migrator(pool: NodePool, source: NodePool, from: string, options: ImportOptions) {
  const flags = [...(options.copy ? ['COPY'] : []), ...(options.replace ? ['REPLACE'] : [])]
  const auth = migrateAuthArgs(pool.settings)
  const send = (owner: string, keys: readonly Buffer[]) => {
    const {host, port} = parseAddress(owner)
    return source.call(from, 'MIGRATE', host, port, '', 0, options.timeoutMs, ...flags, ...auth, 'KEYS', ...keys)
  }

  /** One key on its own. `afterBatch`: a batch with it just failed, so a key gone from the source was moved by it. */
  const single = async (owner: string, key: Buffer, afterBatch: boolean): Promise<Outcome> => {
    try {
      const reply = await send(owner, [key])
      return {...none(), moved: reply !== 'NOKEY' || afterBatch ? 1 : 0}
    } catch (error) {
      const reason = messageOf(error)
      if (!/BUSYKEY/.test(reason)) return {...none(), failed: 1, samples: [{key: key.toString(), reason}]}
      if (await sameValue(pool, source, from, owner, key)) return {...none(), alreadyThere: 1}
      return {
        ...none(),
        busy: 1,
        samples: [{key: key.toString(), reason: 'the cluster has another value (pass --replace)'}],
      }
    }
  }

  // One key at a time on purpose: they share the source connection, and the order keeps the report stable.
  const oneByOne = async (owner: string, keys: readonly Buffer[], afterBatch: boolean): Promise<Outcome> => {
    let total = none()
    // eslint-disable-next-line no-await-in-loop
    for (const key of keys) total = merge(total, await single(owner, key, afterBatch))
    return total
  }

  const batch = async (owner: string, keys: readonly Buffer[]): Promise<Outcome> => {
    if (keys.length === 0) return none()
    try {
      const reply = await send(owner, keys)
      // NOKEY: none of the keys exist any more (expired or deleted since the SCAN): nothing to move.
      return {...none(), moved: reply === 'NOKEY' ? 0 : keys.length}
    } catch {
      return oneByOne(owner, keys, true)
    }
  }

  return async (owner: string, keys: readonly Buffer[]): Promise<Outcome> => {
    if (owner === '') {
      const samples = keys.slice(0, 3).map((key) => ({key: key.toString(), reason: 'no master owns its slot'}))
      return {...none(), failed: keys.length, samples}
    }

    // Keys the cluster already has go one by one: in a batch, one of them would fail the MIGRATE after the others
    // were copied, and a copied key could no longer be told from one that was there before.
    const present = options.replace ? keys.map(() => false) : await existing(pool, owner, keys)
    const moved = await batch(
      owner,
      keys.filter((_, i) => !present[i]),
    )
    return merge(
      moved,
      await oneByOne(
        owner,
        keys.filter((_, i) => present[i]),
        false,
      ),
    )
  }
}

/** For each key, whether `owner` has it. */
async function existing(pool: NodePool, owner: string, keys: readonly Buffer[]): Promise<boolean[]> {
  const pipeline = (await pool.connect(owner)).pipeline()
  for (const key of keys) pipeline.exists(key)
  const replies = (await pipeline.exec()) ?? []
  return replies.map(([error, count]) => {
    if (error) throw error
    return count === 1
  })
}

const merge = (a: Outcome, b: Outcome): Outcome => ({
  alreadyThere: a.alreadyThere + b.alreadyThere,
  busy: a.busy + b.busy,
  failed: a.failed + b.failed,
  moved: a.moved + b.moved,
  samples: [...a.samples, ...b.samples].slice(0, 10),
})

/** The key holds byte-identical DUMP payloads on the source and in the cluster. */
async function sameValue(pool: NodePool, source: NodePool, from: string, owner: string, key: Buffer): Promise<boolean> {
  const [mine, theirs] = await Promise.all([
    (await source.connect(from)).dumpBuffer(key),
    (await pool.connect(owner)).dumpBuffer(key),
  ])
  return mine !== null && theirs !== null && Buffer.compare(mine, theirs) === 0
}
