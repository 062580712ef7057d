import {Redis} from 'ioredis'

import {formatAddress, type NodeAddress, parseAddress} from '../cluster/address.js'
import {describeConnectError} from './connect-error.js'
import {authArgs, type ConnectionSettings, DEFAULT_SETTINGS, isNeedlessAuth, tlsOptions} from './settings.js'
import type {Command} from './resp.js'

/**
 * One connection per node, opened on first use and shared by everything a command does.
 * Errors name the node and the cause, never the credentials.
 */
export class NodePool {
  private readonly connections = new Map<string, Promise<Redis>>()
  private closed = false

  constructor(readonly settings: ConnectionSettings = DEFAULT_SETTINGS) {}

  /** Sends one command and returns the reply; an error reply rejects. */
  async call(address: string, command: string, ...args: Array<Buffer | number | string>): Promise<unknown> {
    const connection = await this.connect(address)
    return connection.call(command, ...args)
  }

  /**
   * Closes every connection, those still opening included. A closed pool opens no more: work still in
   * flight when a run fails (a sibling of the failed call) would otherwise open connections that nothing
   * closes, and they keep the process alive after it has said why it stopped.
   */
  async close(): Promise<void> {
    this.closed = true
    const open = [...this.connections.values()]
    this.connections.clear()
    await Promise.all(open.map(async (pending) => (await pending.catch(() => undefined))?.disconnect()))
  }

  /** Sends the commands in one round trip: each reply, or the error the node answered it with. */
  async pipeline(address: string, commands: readonly Command[]): Promise<unknown[]> {
    const batch = (await this.connect(address)).pipeline()
    for (const [name, ...args] of commands) batch.call(String(name), ...args)
    const results = (await batch.exec()) ?? []
    return results.map(([error, reply]) => error ?? reply)
  }

  /** The connection to `address` (`host:port`), opening it if needed. Rejects with a ConnectionError. */
  connect(address: string): Promise<Redis> {
    if (this.closed) return Promise.reject(new Error(`not connecting to ${address}: the connection pool is closed`))
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
  const credentials = authArgs(settings)
  if (credentials === undefined) return
  try {
    await connection.call('AUTH', ...credentials)
  } catch (error) {
    if (!isNeedlessAuth(String(error))) throw error
  }
}
