/**
 * Regenerates fixtures/dump from a throw-away redis-server (Debian's 7.0.15 is the oracle the fixtures name):
 * - fixtures/dump/<case>.json: the DUMP payload of every case in test/unit/embedded/rdb/dump-cases.ts, with the
 *   commands that wrote it, the value, the encoding and the RDB type byte;
 * - fixtures/dump/rdb/redis-<version>.rdb and .json: an RDB file the server SAVEd holding every case;
 * - fixtures/dump/rdb/<name>.json for every other <name>.rdb there (older files from Redis' own test suite, with
 *   zipmap, ziplist and quicklist v1 encodings): the keys the server loads from it.
 *
 * Run: node --import tsx scripts/capture-dump-fixtures.ts
 */
import {copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {isDeepStrictEqual} from 'node:util'

import type {Redis} from 'ioredis'

import type {PortableValue} from '../src/embedded/rdb/index.js'
import {startRedisServer} from '../test/helpers/servers.js'
import {type Arg, DUMP_CASES, readBack, run, writeCommands} from '../test/unit/embedded/rdb/dump-cases.js'
import {bytesToJson, normalize, valueToJson} from '../test/unit/embedded/rdb/portable.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'dump')
const RDB_FIXTURES = join(FIXTURES, 'rdb')
const KEY = 'k'
/** 2100-01-01: an expiry that stays in the future for as long as these fixtures matter. */
const FAR_EXPIRY_MS = 4_102_444_800_000

function log(line: string): void {
  process.stdout.write(`${line}\n`)
}

function writeJson(path: string, data: unknown): void {
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`)
}

function commandsToJson(commands: Arg[][]) {
  return commands.map((command) => command.map((arg) => bytesToJson(Buffer.from(arg))))
}

async function captureDumps(client: Redis, version: string): Promise<void> {
  for (const testCase of DUMP_CASES) {
    const write = writeCommands(KEY, testCase.value)
    await client.flushall()
    await run(client, testCase.before ?? [])
    await run(client, write)
    const payload = await client.dumpBuffer(KEY)
    if (!payload) throw new Error(`${testCase.name}: DUMP found no key`)
    const encoding = await client.object('ENCODING', KEY)
    await assertHolds(client, KEY, testCase.value, testCase.name)
    await run(client, testCase.after ?? [])
    if (payload[0] !== testCase.rdbType) {
      throw new Error(`${testCase.name}: DUMP type byte is ${payload[0]}, the case expects ${testCase.rdbType}`)
    }

    writeJson(join(FIXTURES, `${testCase.name}.json`), {
      commands: commandsToJson([...(testCase.before ?? []), ...write, ['DUMP', KEY], ...(testCase.after ?? [])]),
      description: testCase.description,
      encoding,
      name: testCase.name,
      payload: payload.toString('hex'),
      rdbType: testCase.rdbType,
      server: `redis-server ${version}`,
      value: valueToJson(testCase.value),
    })
    log(`${testCase.name}: ${encoding}, type ${testCase.rdbType}, ${payload.length} bytes`)
  }
}

/** Every case under its own key, plus one key with an expiry, SAVEd by the server into an RDB file. */
async function captureSavedFile(client: Redis, serverDir: string, version: string): Promise<void> {
  await client.flushall()
  for (const testCase of DUMP_CASES) {
    await run(client, testCase.before ?? [])
    await run(client, writeCommands(`case:${testCase.name}`, testCase.value))
    await run(client, testCase.after ?? [])
  }

  await client.set('expiring', 'soon')
  await client.pexpireat('expiring', FAR_EXPIRY_MS)
  await client.save()
  const name = `redis-${version}`
  copyFileSync(join(serverDir, 'dump.rdb'), join(RDB_FIXTURES, `${name}.rdb`))
  await describeLoadedKeys(client, name)
}

/** For every older RDB file kept in fixtures/dump/rdb: the keys a server started on it holds. */
async function captureLoadedFiles(savedName: string): Promise<void> {
  const files = readdirSync(RDB_FIXTURES).filter((file) => file.endsWith('.rdb') && file !== `${savedName}.rdb`)
  for (const file of files) {
    const dir = mkdtempSync(join(tmpdir(), 'slotctl-rdb-'))
    copyFileSync(join(RDB_FIXTURES, file), join(dir, file))
    const server = await startRedisServer({cluster: false, config: {dbfilename: file, dir}})
    const client = server.client()
    try {
      await describeLoadedKeys(client, file.replace(/\.rdb$/, ''))
    } finally {
      client.disconnect()
      await server.stop()
      rmSync(dir, {force: true, recursive: true})
    }
  }
}

async function describeLoadedKeys(client: Redis, name: string): Promise<void> {
  const keyspace = await client.info('keyspace')
  const dbs = [...keyspace.matchAll(/^db(\d+):/gm)].map((match) => Number(match[1]))
  const entries = []
  for (const db of dbs) {
    await client.select(db)
    const keys = (await client.keysBuffer('*')).sort(Buffer.compare)
    for (const key of keys) {
      const value = normalize(await readBack(client, key))
      const expireAtMs = Number(await client.call('PEXPIRETIME', key))
      entries.push({db, key: bytesToJson(key), value: valueToJson(value), ...(expireAtMs > 0 ? {expireAtMs} : {})})
    }
  }

  await client.select(0)
  writeJson(join(RDB_FIXTURES, `${name}.json`), {entries, file: `${name}.rdb`})
  log(`${name}.rdb: ${entries.length} keys`)
}

async function assertHolds(client: Redis, key: string, expected: PortableValue, name: string): Promise<void> {
  const actual = await readBack(client, key)
  if (!isDeepStrictEqual(normalize(actual), normalize(expected)))
    throw new Error(`${name}: the server holds another value`)
}

async function main(): Promise<void> {
  const server = await startRedisServer({cluster: false, config: {'enable-debug-command': 'yes'}})
  const client = server.client()
  try {
    const info = await client.info('server')
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'
    await captureDumps(client, version)
    await captureSavedFile(client, server.dir, version)
    await captureLoadedFiles(`redis-${version}`)
  } finally {
    client.disconnect()
    await server.stop()
  }
}

await main()
