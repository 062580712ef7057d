/**
 * `backup`: an RDB of every master, taken over the replication protocol (SYNC) as redis-cli --rdb does, and the
 * topology as nodes.json. Each master streams straight to its file, all masters at once.
 */
import {once} from 'node:events'
import {createWriteStream} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import type {Socket} from 'node:net'
import {join} from 'node:path'

import {type BackupManifest, backupManifest} from '../cluster/backup-manifest.js'
import {checkCluster} from '../cluster/checks.js'
import {ConnectionError, OperationError, UsageError} from '../cluster/errors.js'
import {masters} from '../cluster/snapshot.js'
import {describeConnectError} from '../redis/connect-error.js'
import type {NodePool} from '../redis/connection.js'
import {authArgs, type ConnectionSettings} from '../redis/settings.js'
import {encodeCommand} from '../redis/resp.js'
import {openSocket} from '../redis/socket.js'
import {readCluster} from '../redis/discover.js'
import {messageOf} from './nodes.js'

export type SavedRdb = {readonly address: string; readonly bytes: number; readonly file: string; readonly id: string}

export type BackupOutcome = {readonly manifest: BackupManifest; readonly rdbs: readonly SavedRdb[]}

/** Reads the cluster, saves every master's RDB into `dir` (created if needed), then nodes.json. */
export async function backupCluster(
  pool: NodePool,
  seed: string,
  dir: string,
  {idleTimeoutMs}: {idleTimeoutMs: number},
): Promise<BackupOutcome> {
  const snapshot = await readCluster(pool, seed)
  const manifest = backupManifest(snapshot, checkCluster(snapshot), new Date())
  await mkdir(dir, {recursive: true}).catch((error: unknown) => {
    throw new UsageError(`cannot create DIR ${dir}: ${messageOf(error)}`, {code: 'BAD_DIR'})
  })
  const rdbs = await Promise.all(
    masters(snapshot).map(async ({address, self}) => {
      const file = manifest.nodes.find((node) => node.id === self.id)?.rdb ?? `${self.id}.rdb`
      const bytes = await fetchRdb(address, pool.settings, join(dir, file), idleTimeoutMs)
      return {address, bytes, file, id: self.id}
    }),
  )
  await writeFile(join(dir, 'nodes.json'), `${JSON.stringify(manifest, undefined, 2)}\n`)
  return {manifest, rdbs}
}

/**
 * SYNC on a fresh connection: after newlines that keep the link alive while it writes the file, the master
 * answers `$<length>\r\n` and the RDB. (The diskless `$EOF:<mark>` form comes only to replicas that announce
 * `capa eof`; slotctl does not, so that a master need not wait repl-diskless-sync-delay for other replicas.)
 */
export async function fetchRdb(address: string, settings: ConnectionSettings, file: string, idleTimeoutMs: number) {
  const socket = await openSocket(address, settings)
  socket.setTimeout(idleTimeoutMs, () => socket.destroy(new Error(`no data for ${idleTimeoutMs} ms`)))
  const reader = new ByteReader(socket)
  try {
    const credentials = authArgs(settings)
    if (credentials) {
      await reader.command(socket, 'AUTH', ...credentials).catch((error: unknown) => {
        throw describeConnectError(address, error, settings)
      })
    }

    // Tells Redis 7 that no replication stream will follow the RDB; older servers do not know it, which is fine.
    await reader.command(socket, 'REPLCONF', 'rdb-only', '1').catch(() => undefined)
    socket.write(encodeCommand(['SYNC']))
    return await saveTo(file, reader, await reader.rdbLength())
  } catch (error) {
    if (error instanceof ConnectionError) throw error
    throw new OperationError(`backup of ${address} failed: ${messageOf(error)}`, {
      code: 'BACKUP_FAILED',
      suggestions: ['Check that the user may run SYNC (ACL +sync) and that the node has room to write its RDB'],
    })
  } finally {
    socket.destroy()
  }
}

/** Reads what SYNC sends: reply lines, then raw bytes. */
class ByteReader {
  private pending = Buffer.alloc(0)
  private readonly chunks: AsyncIterator<Buffer>

  constructor(socket: Socket) {
    this.chunks = socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  }

  /** Sends one command and reads its one-line reply; an error reply rejects. */
  async command(socket: Socket, ...args: string[]): Promise<string> {
    socket.write(encodeCommand(args))
    const line = await this.line()
    if (line.startsWith('-')) throw new Error(line.slice(1))
    return line
  }

  /** Skips keep-alive newlines and reads the `$<length>` line that precedes the RDB. */
  async rdbLength(): Promise<number> {
    for (;;) {
      // eslint-disable-next-line no-await-in-loop
      if (this.pending.length === 0) await this.more()
      if (this.pending[0] !== 0x0a) break
      this.pending = this.pending.subarray(1)
    }

    const line = await this.line()
    if (line.startsWith('-')) throw new Error(line.slice(1))
    const length = Number(line.slice(1))
    if (!line.startsWith('$') || !Number.isSafeInteger(length)) throw new Error(`unexpected reply to SYNC: ${line}`)
    return length
  }

  async line(): Promise<string> {
    let end: number
    // eslint-disable-next-line no-await-in-loop
    while ((end = this.pending.indexOf('\r\n')) === -1) await this.more()
    const line = this.pending.subarray(0, end).toString()
    this.pending = this.pending.subarray(end + 2)
    return line
  }

  /** The bytes already read, then the next chunks from the socket; undefined once it closes. */
  async next(): Promise<Buffer | undefined> {
    if (this.pending.length > 0) {
      const chunk = this.pending
      this.pending = Buffer.alloc(0)
      return chunk
    }

    const {done, value} = await this.chunks.next()
    return done ? undefined : value
  }

  private async more(): Promise<void> {
    const chunk = await this.next()
    if (chunk === undefined) throw new Error('the node closed the connection')
    this.pending = Buffer.concat([this.pending, chunk])
  }
}

/** Streams the RDB into `file`; checks that it is one (the REDIS magic) and returns its size. */
async function saveTo(file: string, reader: ByteReader, length: number): Promise<number> {
  const out = createWriteStream(file)
  const write = async (bytes: Buffer) => {
    if (!out.write(bytes)) await once(out, 'drain')
  }

  let written = 0
  let first: Buffer | undefined
  try {
    for await (const bytes of rdbBytes(reader, length)) {
      first ??= bytes
      written += bytes.length
      await write(bytes)
    }
  } finally {
    out.end()
    await once(out, 'close')
  }

  if (first?.subarray(0, 5).toString() !== 'REDIS') throw new Error('what the node sent is not an RDB file')
  return written
}

/** The `length` bytes of the RDB; anything the master sends after them is not part of it. */
async function* rdbBytes(reader: ByteReader, length: number): AsyncGenerator<Buffer> {
  for (let left = length; left > 0;) {
    // eslint-disable-next-line no-await-in-loop
    const chunk = await reader.next()
    if (chunk === undefined) throw new Error(`the node closed the connection with ${left} bytes of the RDB unsent`)
    const bytes = chunk.subarray(0, left)
    left -= bytes.length
    yield bytes
  }
}
