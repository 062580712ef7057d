/** Reading the captured fixtures in fixtures/dump (written by scripts/capture-dump-fixtures.ts). */
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import type {JsonBytes, JsonValue} from './portable.js'

export const DUMP_FIXTURES_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'fixtures', 'dump')
export const RDB_FIXTURES_DIR = join(DUMP_FIXTURES_DIR, 'rdb')

export type DumpFixture = {
  name: string
  description: string
  server: string
  encoding: string
  rdbType: number
  commands: JsonBytes[][]
  payload: string
  value: JsonValue
}

export type RdbFixture = {
  file: string
  entries: Array<{db: number; key: JsonBytes; value: JsonValue; expireAtMs?: number}>
}

export function dumpFixtures(): DumpFixture[] {
  return readdirSync(DUMP_FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(DUMP_FIXTURES_DIR, file), 'utf8')) as DumpFixture)
}

export function rdbFixtures(): Array<RdbFixture & {data: Buffer}> {
  return readdirSync(RDB_FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const fixture = JSON.parse(readFileSync(join(RDB_FIXTURES_DIR, file), 'utf8')) as RdbFixture
      return {...fixture, data: readFileSync(join(RDB_FIXTURES_DIR, fixture.file))}
    })
}
