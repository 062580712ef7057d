import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {
  BadDataFormatError,
  DumpPayloadError,
  type RdbEntry,
  crc64,
  decodeDump,
  encodeDump,
  readRdbFile,
  writeRdbFile,
} from '../../../src/embedded/rdb/index.js'
import {requireRedisServer, startRedisServer} from '../../helpers/servers.js'
import {DUMP_CASES, readBack, run, writeCommands} from '../../unit/embedded/rdb/dump-cases.js'
import {normalize} from '../../unit/embedded/rdb/portable.js'

/** DEBUG QUICKLIST-PACKED-THRESHOLD makes the PLAIN quicklist node case. */
const SERVER_CONFIG = {'enable-debug-command': 'yes'}

function withVersion(payload: Buffer, version: number): Buffer {
  const unsigned = Buffer.from(payload.subarray(0, -8))
  unsigned.writeUInt16LE(version, unsigned.length - 2)
  const checksum = Buffer.alloc(8)
  checksum.writeBigUInt64LE(crc64(unsigned))
  return Buffer.concat([unsigned, checksum])
}

describe('DUMP / RESTORE payloads against redis-server', () => {
  it('decodes what Redis DUMPs, and Redis RESTOREs what we encode, for every type and encoding', async (t) => {
    if (!requireRedisServer(t)) return
    const server = await startRedisServer({cluster: false, config: SERVER_CONFIG})
    t.after(() => server.stop())
    const client = server.client()
    t.after(() => client.disconnect())

    for (const testCase of DUMP_CASES) {
      await t.test(testCase.name, async () => {
        const theirs = `theirs:${testCase.name}`
        await run(client, testCase.before ?? [])
        await run(client, writeCommands(theirs, testCase.value))
        const payload = await client.dumpBuffer(theirs)
        await run(client, testCase.after ?? [])
        assert.ok(payload)
        assert.equal(payload[0], testCase.rdbType, 'the case no longer covers the encoding it is named after')
        assert.deepEqual(normalize(decodeDump(payload)), normalize(testCase.value))

        const ours = `ours:${testCase.name}`
        assert.equal(await client.restore(ours, 0, encodeDump(testCase.value)), 'OK')
        assert.deepEqual(normalize(await readBack(client, ours)), normalize(testCase.value))
      })
    }
  })

  it('gets the same refusals from Redis as our DumpPayloadError and BadDataFormatError texts', async (t) => {
    if (!requireRedisServer(t)) return
    const server = await startRedisServer({cluster: false})
    t.after(() => server.stop())
    const client = server.client()
    t.after(() => client.disconnect())

    const good = encodeDump({type: 'string', value: Buffer.from('bar')})
    const wrongChecksum = Buffer.from(good)
    wrongChecksum[wrongChecksum.length - 1]! ^= 0xff
    const emptyList = withVersion(Buffer.from('0100' + '0900' + '0000000000000000', 'hex'), 9)
    const cases: Array<[Buffer, Error]> = [
      [withVersion(good, 13), new DumpPayloadError()],
      [wrongChecksum, new DumpPayloadError()],
      [emptyList, new BadDataFormatError('empty')],
    ]
    for (const [payload, ours] of cases) {
      await assert.rejects(client.restore('refused', 0, payload), {message: `ERR ${ours.message}`})
      assert.throws(() => decodeDump(payload), {message: ours.message})
    }

    // Redis 7.0 writes version 10 and takes our version 9; a version-12 payload (from Redis 7.4) it refuses.
    assert.equal(await client.restore('v9', 0, good), 'OK')
    await assert.rejects(client.restore('v12', 0, withVersion(good, 12)), {
      message: `ERR ${new DumpPayloadError().message}`,
    })
  })
})

describe('RDB files against redis-server', () => {
  it('writes a file redis-check-rdb accepts and redis-server loads, and reads the file Redis SAVEs', async (t) => {
    if (!requireRedisServer(t)) return
    const entries: RdbEntry[] = DUMP_CASES.map((testCase, i) => ({
      key: Buffer.from(`case:${testCase.name}`),
      value: testCase.value,
      ...(i % 4 === 0 ? {expireAtMs: Date.now() + 3_600_000} : {}),
    }))
    const dir = mkdtempSync(join(tmpdir(), 'slotctl-rdb-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    writeFileSync(join(dir, 'ours.rdb'), writeRdbFile(entries))

    const check = spawnSync('redis-check-rdb', [join(dir, 'ours.rdb')], {encoding: 'utf8'})
    assert.equal(check.status, 0, check.stdout + check.stderr)
    assert.match(check.stdout, new RegExp(`RDB looks OK[\\s\\S]*${entries.length} keys read`))

    const server = await startRedisServer({cluster: false, config: {dbfilename: 'ours.rdb', dir}})
    t.after(() => server.stop())
    const client = server.client()
    t.after(() => client.disconnect())
    assert.equal(await client.dbsize(), entries.length)
    for (const entry of entries) {
      assert.deepEqual(normalize(await readBack(client, entry.key)), normalize(entry.value), entry.key.toString())
      const expireAt = Number(await client.call('PEXPIRETIME', entry.key))
      assert.equal(expireAt, entry.expireAtMs === undefined ? -1 : Math.trunc(entry.expireAtMs))
    }

    // Redis saves with its own 7.0 encodings (listpack, quicklist 2, intset, ...): read that file back.
    await client.save()
    const saved = readRdbFile(readFileSync(join(dir, 'ours.rdb')))
    const byKey = new Map(saved.map((entry) => [entry.key.toString('latin1'), entry]))
    for (const entry of entries) {
      const read = byKey.get(entry.key.toString('latin1'))
      assert.ok(read, entry.key.toString())
      assert.deepEqual(normalize(read.value), normalize(entry.value))
      assert.equal(read.expireAtMs, entry.expireAtMs === undefined ? undefined : Math.trunc(entry.expireAtMs))
    }
  })
})
