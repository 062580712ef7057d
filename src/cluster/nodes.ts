import {mergeRanges, type SlotRange} from './slots.js'

/** One line of CLUSTER NODES: how the node that printed it sees one member of the cluster. */
export type NodeLine = {
  readonly busPort: number
  readonly configEpoch: number
  /** Every flag as printed (myself, master, slave, fail?, fail, handshake, noaddr, nofailover, noflags). */
  readonly flags: readonly string[]
  /** Empty when the node has no known address (`noaddr`). */
  readonly host: string
  /** The announced hostname (`cluster-announce-hostname`), when the node has one. */
  readonly hostname?: string
  readonly id: string
  /** Slots this node is importing (only ever on the printing node's own line). */
  readonly importing: readonly SlotTransfer[]
  readonly linkState: 'connected' | 'disconnected'
  readonly masterId?: string
  /** Slots this node is migrating away (only ever on the printing node's own line). */
  readonly migrating: readonly SlotTransfer[]
  readonly pingSent: number
  readonly pongReceived: number
  readonly port: number
  readonly role: 'master' | 'replica'
  readonly slots: readonly SlotRange[]
}

/** A slot in flight: with its peer (the target when migrating, the source when importing). */
export type SlotTransfer = {readonly peerId: string; readonly slot: number}

export class NodesParseError extends Error {}

/** Parses the whole CLUSTER NODES reply. Lines that do not end in a newline are kept (unlike redis-cli). */
export function parseClusterNodes(text: string): NodeLine[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => parseNodeLine(line))
}

export function parseNodeLine(line: string): NodeLine {
  const fields = line.split(' ')
  if (fields.length < 8)
    throw new NodesParseError(`CLUSTER NODES line has ${fields.length} fields, expected 8 or more: ${line}`)
  const [id, endpoint, flagText, master, pingSent, pongReceived, epoch, link] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  const flags = flagText === 'noflags' ? [] : flagText.split(',')
  const slots = parseSlotTokens(fields.slice(8))
  const address = parseEndpoint(endpoint)
  return {
    ...address,
    configEpoch: Number(epoch),
    flags,
    id,
    importing: slots.importing,
    linkState: link === 'connected' ? 'connected' : 'disconnected',
    migrating: slots.migrating,
    pingSent: Number(pingSent),
    pongReceived: Number(pongReceived),
    role: flags.includes('slave') ? 'replica' : 'master',
    slots: slots.owned,
    ...(master === '-' ? {} : {masterId: master}),
  }
}

/** `ip:port@cport[,hostname[,key=value...]]`; the ip may be IPv6 or empty. */
function parseEndpoint(endpoint: string): {busPort: number; host: string; hostname?: string; port: number} {
  const [address = '', ...aux] = endpoint.split(',')
  const at = address.lastIndexOf('@')
  const hostPort = at === -1 ? address : address.slice(0, at)
  const colon = hostPort.lastIndexOf(':')
  if (colon === -1) throw new NodesParseError(`CLUSTER NODES address without a port: ${endpoint}`)
  const hostname = aux[0] !== undefined && aux[0] !== '' && !aux[0].includes('=') ? aux[0] : undefined
  const port = Number(hostPort.slice(colon + 1))
  return {
    busPort: at === -1 ? port + 10_000 : Number(address.slice(at + 1)),
    host: hostPort.slice(0, colon),
    port,
    ...(hostname === undefined ? {} : {hostname}),
  }
}

function parseSlotTokens(tokens: string[]): {
  importing: SlotTransfer[]
  migrating: SlotTransfer[]
  owned: SlotRange[]
} {
  const owned: SlotRange[] = []
  const importing: SlotTransfer[] = []
  const migrating: SlotTransfer[] = []
  for (const token of tokens) {
    const open = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(token)
    if (open) {
      const transfer = {peerId: open[3]!, slot: Number(open[1])}
      ;(open[2] === '>' ? migrating : importing).push(transfer)
      continue
    }

    const range = /^(\d+)(?:-(\d+))?$/.exec(token)
    if (!range) throw new NodesParseError(`CLUSTER NODES slot token not understood: ${token}`)
    const start = Number(range[1])
    owned.push({end: range[2] === undefined ? start : Number(range[2]), start})
  }

  return {importing, migrating, owned: mergeRanges(owned)}
}

export const isFailed = (line: NodeLine): boolean => line.flags.includes('fail')
export const isSuspected = (line: NodeLine): boolean => line.flags.includes('fail?')
export const isMyself = (line: NodeLine): boolean => line.flags.includes('myself')
/** A line with no usable address yet: still in handshake, or without an address at all. */
export const isReachableCandidate = (line: NodeLine): boolean =>
  !line.flags.includes('noaddr') && !line.flags.includes('handshake') && line.host !== ''
