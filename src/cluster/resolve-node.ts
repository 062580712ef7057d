import {formatAddress, parseAddress} from './address.js'
import {UsageError} from './errors.js'
import type {NodeLine} from './nodes.js'

/** The shortest id prefix slotctl prints; also what error messages show of an id. */
const SHORT_ID = 8

/**
 * Finds the node a user named on the command line: a full id, a unique id prefix, or `host:port`.
 * `flag` names the option the value came from, so that the error says which one to fix.
 */
export function resolveNode(members: readonly NodeLine[], token: string, flag: string): NodeLine {
  const wanted = token.trim()
  const byAddress = looksLikeAddress(wanted) ? findByAddress(members, wanted) : undefined
  if (byAddress) return byAddress
  const matches = wanted === '' ? [] : members.filter((line) => line.id.startsWith(wanted.toLowerCase()))
  const [only, ...others] = matches
  if (only && others.length === 0) return only
  if (matches.length > 1) {
    throw new UsageError(`${flag} ${wanted} matches ${matches.length} nodes: ${matches.map(describe).join(', ')}`, {
      code: 'AMBIGUOUS_NODE',
      suggestions: [`Give more characters of the node id in ${flag}, or its host:port`],
    })
  }

  throw new UsageError(`${flag} ${wanted || '""'} is not a node of this cluster`, {
    code: 'UNKNOWN_NODE',
    suggestions: [`Name the node by id, unique id prefix or host:port: ${members.map(describe).join(', ')}`],
  })
}

/** Like resolveNode, and the node must be a master. */
export function resolveMaster(members: readonly NodeLine[], token: string, flag: string): NodeLine {
  const node = resolveNode(members, token, flag)
  if (node.role === 'master') return node
  throw new UsageError(`${flag} ${token} names ${describe(node)}, a replica; it must be a master`, {
    code: 'NOT_A_MASTER',
    suggestions: [
      `Masters: ${members
        .filter((line) => line.role === 'master')
        .map(describe)
        .join(', ')}`,
    ],
  })
}

const describe = (line: NodeLine): string => `${formatAddress(line)} (${line.id.slice(0, SHORT_ID)})`

function looksLikeAddress(token: string): boolean {
  return /:\d+$/.test(token) && !/^[0-9a-f]+$/i.test(token)
}

function findByAddress(members: readonly NodeLine[], token: string): NodeLine | undefined {
  let wanted: string
  try {
    wanted = formatAddress(parseAddress(token))
  } catch {
    return undefined
  }

  return members.find(
    (line) =>
      formatAddress(line) === wanted || (line.hostname !== undefined && `${line.hostname}:${line.port}` === wanted),
  )
}
