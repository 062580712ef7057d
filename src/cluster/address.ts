import {UsageError} from './errors.js'

/** Where a node listens for clients. */
export type NodeAddress = {readonly host: string; readonly port: number}

/**
 * Parses `host:port`, `[v6]:port` or a bare IPv6 address with its port after the last colon
 * (`::1:7000`, the form CLUSTER NODES prints). Throws a UsageError naming the input.
 */
export function parseAddress(input: string): NodeAddress {
  const trimmed = input.trim()
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed)
  const separator = trimmed.lastIndexOf(':')
  const host = bracketed ? bracketed[1]! : trimmed.slice(0, separator)
  const portText = bracketed ? bracketed[2]! : trimmed.slice(separator + 1)
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN
  if ((!bracketed && separator <= 0) || host === '' || !(port >= 1 && port <= 65_535)) {
    throw new UsageError(`"${input}" is not a node address`, {
      code: 'BAD_ADDRESS',
      suggestions: ['Write a node as host:port, such as 127.0.0.1:7000 or [::1]:7000'],
    })
  }

  return {host, port}
}

/** `host:port`, with IPv6 hosts in brackets so that the result parses back. */
export function formatAddress({host, port}: NodeAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** Addresses by host, then by port as a number (30002 before 30010); one that does not parse sorts as its text. */
export function compareAddresses(a: string, b: string): number {
  const [left, right] = [sortKey(a), sortKey(b)]
  return left.host < right.host ? -1 : left.host > right.host ? 1 : left.port - right.port
}

function sortKey(address: string): NodeAddress {
  try {
    return parseAddress(address)
  } catch {
    return {host: address, port: 0}
  }
}
