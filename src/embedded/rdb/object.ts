import {RdbType} from './encoding.js'
import {BadDataFormatError} from './errors.js'
import {decodeIntset} from './intset.js'
import {decodeListpack} from './listpack.js'
import {RdbReader, parseScore} from './reader.js'
import type {PortableValue} from './types.js'
import {RdbWriter} from './writer.js'
import {decodeZiplist} from './ziplist.js'
import {decodeZipmap} from './zipmap.js'

/** Quicklist v2 node containers: one big element on its own, or a listpack of elements. */
const QUICKLIST_PLAIN = 1
const QUICKLIST_PACKED = 2

/**
 * Reads the body of an object of RDB type `type`. Every encoding Redis 2.4 to 7.4 saves is understood, except
 * streams, modules and hashes with field expiry (7.4): PortableValue cannot hold them.
 *
 * Zset entries come back sorted by score then member, as Redis orders them; sets, hashes and lists keep the
 * payload order. Empty collections and duplicate members are refused, as Redis refuses them.
 */
export function readValue(type: number, reader: RdbReader): PortableValue {
  switch (type) {
    case RdbType.String: {
      return {type: 'string', value: reader.string()}
    }

    case RdbType.List: {
      return list(readStrings(reader, reader.length()))
    }

    case RdbType.ListZiplist: {
      return list(decodeZiplist(reader.string()))
    }

    case RdbType.ListQuicklist:
    case RdbType.ListQuicklist2: {
      return list(readQuicklist(reader, type === RdbType.ListQuicklist2))
    }

    case RdbType.Set: {
      return set(readStrings(reader, reader.length()))
    }

    case RdbType.SetIntset: {
      return set(decodeIntset(reader.string()))
    }

    case RdbType.SetListpack: {
      return set(decodeListpack(reader.string()))
    }

    case RdbType.Hash: {
      return hash(pairUp(readStrings(reader, reader.length() * 2)))
    }

    case RdbType.HashZipmap: {
      return hash(decodeZipmap(reader.string()))
    }

    case RdbType.HashZiplist: {
      return hash(pairUp(decodeZiplist(reader.string())))
    }

    case RdbType.HashListpack: {
      return hash(pairUp(decodeListpack(reader.string())))
    }

    case RdbType.Zset:
    case RdbType.ZsetAscii: {
      return zset(readScoredMembers(reader, type === RdbType.Zset))
    }

    case RdbType.ZsetZiplist: {
      return zset(withScores(pairUp(decodeZiplist(reader.string()))))
    }

    case RdbType.ZsetListpack: {
      return zset(withScores(pairUp(decodeListpack(reader.string()))))
    }

    default: {
      throw new BadDataFormatError(`unsupported RDB object type ${type}`)
    }
  }
}

/** The legacy RDB type (0, 1, 2, 4, 5) we save `value` as: every Redis since 5.0 loads these. */
export function rdbTypeOf(value: PortableValue): number {
  return LEGACY_TYPES[value.type]
}

const LEGACY_TYPES = {
  hash: RdbType.Hash,
  list: RdbType.List,
  set: RdbType.Set,
  string: RdbType.String,
  zset: RdbType.Zset,
} as const

/** Writes the body of `value` for the type `rdbTypeOf` gives. */
export function writeValue(value: PortableValue, writer: RdbWriter): void {
  switch (value.type) {
    case 'string': {
      writer.string(value.value)
      break
    }

    case 'list': {
      writeStrings(writer, nonEmpty(value.items, 'list'))
      break
    }

    case 'set': {
      writeStrings(writer, nonEmpty(value.members, 'set'))
      break
    }

    case 'hash': {
      writer.length(nonEmpty(value.entries, 'hash').length)
      for (const [field, fieldValue] of value.entries) writer.string(field).string(fieldValue)
      break
    }

    case 'zset': {
      writer.length(nonEmpty(value.entries, 'zset').length)
      // Highest score first, as Redis saves skiplists: loading then inserts each member at the head.
      for (const [member, score] of sortZset(value.entries).reverse()) {
        if (Number.isNaN(score)) throw new RangeError('a zset score cannot be NaN')
        writer.string(member).binaryDouble(score)
      }
    }
  }
}

function readStrings(reader: RdbReader, count: number): Buffer[] {
  const strings: Buffer[] = []
  for (let i = 0; i < count; i++) strings.push(reader.string())
  return strings
}

function writeStrings(writer: RdbWriter, strings: Buffer[]): void {
  writer.length(strings.length)
  for (const item of strings) writer.string(item)
}

/** Quicklist nodes: ziplists (type 14), or plain elements and listpacks (type 18). Empty nodes are skipped. */
function readQuicklist(reader: RdbReader, hasContainers: boolean): Buffer[] {
  const items: Buffer[] = []
  const nodeCount = reader.length()
  for (let node = 0; node < nodeCount; node++) {
    const container = hasContainers ? reader.length() : QUICKLIST_PACKED
    const blob = reader.string()
    if (blob.length === 0) throw new BadDataFormatError('empty quicklist node')
    if (container === QUICKLIST_PLAIN) items.push(blob)
    else if (container !== QUICKLIST_PACKED) throw new BadDataFormatError(`unknown quicklist container ${container}`)
    else items.push(...(hasContainers ? decodeListpack(blob) : decodeZiplist(blob)))
  }

  return items
}

function readScoredMembers(reader: RdbReader, binaryScores: boolean): Array<[Buffer, number]> {
  const entries: Array<[Buffer, number]> = []
  const count = reader.length()
  for (let i = 0; i < count; i++) {
    const member = reader.string()
    const score = binaryScores ? reader.binaryDouble() : reader.asciiDouble()
    if (Number.isNaN(score)) throw new BadDataFormatError('zset score is NaN')
    entries.push([member, score])
  }

  return entries
}

function pairUp(items: Buffer[]): Array<[Buffer, Buffer]> {
  if (items.length % 2 !== 0) throw new BadDataFormatError('odd number of entries in a paired encoding')
  const pairs: Array<[Buffer, Buffer]> = []
  for (let i = 0; i < items.length; i += 2) pairs.push(items.slice(i, i + 2) as [Buffer, Buffer])
  return pairs
}

function withScores(pairs: Array<[Buffer, Buffer]>): Array<[Buffer, number]> {
  return pairs.map(([member, score]) => [member, parseScore(score)])
}

function list(items: Buffer[]): PortableValue {
  return {items: nonEmptyOnLoad(items), type: 'list'}
}

function set(members: Buffer[]): PortableValue {
  assertUnique(members)
  return {members: nonEmptyOnLoad(members), type: 'set'}
}

function hash(entries: Array<[Buffer, Buffer]>): PortableValue {
  assertUnique(entries.map(([field]) => field))
  return {entries: nonEmptyOnLoad(entries), type: 'hash'}
}

function zset(entries: Array<[Buffer, number]>): PortableValue {
  assertUnique(entries.map(([member]) => member))
  return {entries: sortZset(nonEmptyOnLoad(entries)), type: 'zset'}
}

function sortZset(entries: Array<[Buffer, number]>): Array<[Buffer, number]> {
  return [...entries].sort(([memberA, scoreA], [memberB, scoreB]) =>
    scoreA === scoreB ? Buffer.compare(memberA, memberB) : scoreA < scoreB ? -1 : 1,
  )
}

function assertUnique(members: Buffer[]): void {
  // latin1 maps every byte to one character, so distinct byte strings stay distinct keys.
  const seen = new Set(members.map((member) => member.toString('latin1')))
  if (seen.size !== members.length) throw new BadDataFormatError('duplicate members')
}

function nonEmptyOnLoad<T>(items: T[]): T[] {
  if (items.length === 0) throw new BadDataFormatError('empty collection')
  return items
}

/** Redis has no empty collections (the key would not exist) and refuses them in RESTORE: never write one. */
function nonEmpty<T>(items: T[], type: string): T[] {
  if (items.length === 0) throw new RangeError(`cannot serialise an empty ${type}`)
  return items
}
