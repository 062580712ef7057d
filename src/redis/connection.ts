import {readFileSync} from 'node:fs'
import {isIP} from 'node:net'
import type {ConnectionOptions as TlsConnectionOptions} from 'node:tls'

import {Redis} from 'ioredis'

import {formatAddress, type NodeAddress, parseAddress} from '../cluster/address.js'
import {ConnectionError, UsageError} from '../cluster/errors.js'

export type TlsSettings = {
  /** CA bundle file that signs the servers' certificates. */
  readonly caFile?: string
  /** Client certificate and key files, for servers that ask for one. */
  readonly certFile?: string
  /** Skip certificate and hostname verification. */
  readonly insecure: boolean
  readonly keyFile?: string
}

/** How to reach and authenticate with every node: the one place credentials and timeouts live. */
export type ConnectionSettings = {
  readonly commandTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly password?: string
  readonly tls?: TlsSettings
  readonly user?: string
}

export const DEFAULT_SETTINGS: ConnectionSettings = {commandTimeoutMs: 10_000, connectTimeoutMs: 3000}

/**
 * One connection per node, opened on first use and shared by everything a command does.
 * Errors name the node and the cause, never the credentials.
 */
export class NodePool {
  private readonly connections = new Map<string, Promise<Redis>>()

  constructor(readonly settings: ConnectionSettings = DEFAULT_SETTINGS) {}

  /** Sends one command and returns the reply; an error reply rejects. */
  async call(address: string, command: string, ...args: Array<Buffer | number | string>): Promise<unknown> {
    const connection = await this.connect(address)
    return connection.call(command, ...args)
  }

  async close(): Promise<void> {
    const open = [...this.connections.values()]
    this.connections.clear()
    await Promise.all(open.map(async (pending) => (await pending.catch(() => undefined))?.disconnect()))
  }

  /** The connection to `address` (`host:port`), opening it if needed. Rejects with a ConnectionError. */
  connect(address: string): Promise<Redis> {
    let pending = this.connections.get(address)
    if (!pending) {
      pending = openConnection(parseAddress(address), this.settings)
      this.connections.set(address, pending)
      // A failed or later closed connection is forgotten, so a later call connects again (a restarted node).
      const forget = () => this.connections.get(address) === pending && this.connections.delete(address)
      pending.then((connection) => connection.once('end', forget), forget)
    }

    return pending
  }
}

async function openConnection(address: NodeAddress, settings: ConnectionSettings): Promise<Redis> {
  const connection = new Redis({
    autoResubscribe: false,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    host: address.host,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    port: address.port,
    retryStrategy: () => null,
    ...(settings.tls ? {tls: tlsOptions(address, settings.tls)} : {}),
  })
  // ioredis reports the socket's own error here, and only "Connection is closed" to connect().
  let socketError: unknown
  connection.on('error', (error) => (socketError ??= error))
  try {
    await connection.connect()
    await authenticate(connection, settings)
    return connection
  } catch (error) {
    // A socket that already ended must not be disconnected again: ioredis would arm a 2 s timer
    // for a close event that already happened, and keep the process alive for it.
    if (connection.status !== 'end') connection.disconnect()
    throw describeConnectError(formatAddress(address), socketError ?? error, settings)
  }
}

/**
 * AUTH sent by hand rather than through ioredis' password option: ioredis prints a warning to the
 * console when a password is given to a server that needs none, and redis-cli carries on there too.
 */
async function authenticate(connection: Redis, settings: ConnectionSettings): Promise<void> {
  if (settings.password === undefined) return
  const args = settings.user === undefined ? [settings.password] : [settings.user, settings.password]
  try {
    await connection.call('AUTH', ...args)
  } catch (error) {
    if (!/without any password configured|no password is set/i.test(String(error))) throw error
  }
}

/**
 * The AUTH part of a MIGRATE sent to a node, so that keys move between password-protected nodes:
 * `AUTH2 user password` for an ACL user, `AUTH password` otherwise, nothing without a password.
 */
export function migrateAuthArgs(settings: ConnectionSettings): string[] {
  if (settings.password === undefined) return []
  return settings.user === undefined ? ['AUTH', settings.password] : ['AUTH2', settings.user, settings.password]
}

/** TLS options for one node: the server certificate is checked against the host slotctl dialled. */
export function tlsOptions(address: NodeAddress, tls: TlsSettings): TlsConnectionOptions {
  const read = (file: string | undefined, flag: string) => {
    if (file === undefined) return undefined
    try {
      return readFileSync(file)
    } catch (error) {
      throw new UsageError(`cannot read ${flag} file ${file}: ${(error as Error).message}`, {code: 'BAD_TLS_FILE'})
    }
  }

  const ca = read(tls.caFile, '--cacert')
  const cert = read(tls.certFile, '--cert')
  const key = read(tls.keyFile, '--key')
  return {
    rejectUnauthorized: !tls.insecure,
    // SNI takes host names only (RFC 6066); an IP is still verified against the certificate's IP SANs.
    ...(isIP(address.host) === 0 ? {servername: address.host} : {}),
    ...(ca ? {ca} : {}),
    ...(cert ? {cert} : {}),
    ...(key ? {key} : {}),
  }
}

/** Turns a socket or AUTH failure into one line that names the node and says what to do. */
export function describeConnectError(address: string, error: unknown, settings: ConnectionSettings): ConnectionError {
  const text = error instanceof Error ? error.message : String(error)
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    return new ConnectionError(
      `${address} refused the credentials: ${settings.user ? 'user or ' : ''}password is wrong`,
      {
        code: 'AUTH_FAILED',
        suggestions: ['Pass the right password with --password or REDISCLI_AUTH (and --user for an ACL user)'],
      },
    )
  }

  if (/NOAUTH/i.test(text)) {
    return new ConnectionError(`${address} requires a password`, {
      code: 'AUTH_REQUIRED',
      suggestions: ['Pass it with --password, --askpass or REDISCLI_AUTH'],
    })
  }

  if (/certificate|altnames|self[- ]signed|unable to verify|SSL|TLS/i.test(text)) {
    return new ConnectionError(`cannot connect to ${address}: TLS: ${text}`, {
      code: 'TLS_FAILED',
      suggestions: [
        'Pass --cacert with the CA that signed the node certificates, and name nodes as their certificates do',
        'Or skip verification with --insecure (not for production)',
      ],
    })
  }

  const cause = /ECONNREFUSED/.test(text)
    ? 'connection refused (is the node running?)'
    : /ETIMEDOUT|timed? ?out/i.test(text)
      ? `no answer within ${settings.connectTimeoutMs} ms`
      : /ENOTFOUND|EAI_AGAIN/.test(text)
        ? 'host name not found'
        : text
  return new ConnectionError(`cannot connect to ${address}: ${cause}`, {
    code: 'UNREACHABLE',
    suggestions: ['Check the address and that the node is running; pass --tls if it only accepts TLS'],
  })
}
