import {once} from 'node:events'
import {connect as connectTcp, type Socket} from 'node:net'

import {parseAddress} from '../cluster/address.js'
import {describeConnectError} from './connect-error.js'
import {type ConnectionSettings, tlsOptions} from './settings.js'

/**
 * A plain or TLS socket to `address`, connected within the connect timeout; rejects with a ConnectionError
 * that names the node. The TLS module is loaded only for TLS: most command lines never need it.
 */
export async function openSocket(address: string, settings: ConnectionSettings): Promise<Socket> {
  const target = parseAddress(address)
  const socket = settings.tls
    ? (await import('node:tls')).connect({host: target.host, port: target.port, ...tlsOptions(target, settings.tls)})
    : connectTcp({host: target.host, port: target.port})
  const timer = setTimeout(() => socket.destroy(new Error('ETIMEDOUT')), settings.connectTimeoutMs)
  try {
    await once(socket, settings.tls ? 'secureConnect' : 'connect')
    return socket
  } catch (error) {
    throw describeConnectError(address, error, settings)
  } finally {
    clearTimeout(timer)
  }
}
