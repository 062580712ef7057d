import {ConnectionError} from '../cluster/errors.js'
import type {ConnectionSettings} from './settings.js'

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

  const timedOut = /ETIMEDOUT|timed? ?out/i.test(text)
  if (timedOut && settings.tls) {
    // A plain port reads the TLS hello as a command and never answers it: the handshake just stalls.
    return new ConnectionError(
      `cannot connect to ${address}: no TLS handshake within ${settings.connectTimeoutMs} ms`,
      {
        code: 'UNREACHABLE',
        suggestions: ["Check that the port is the node's TLS port (tls-port), or drop --tls for a plain one"],
      },
    )
  }

  const cause = /ECONNREFUSED/.test(text)
    ? 'connection refused (is the node running?)'
    : timedOut
      ? `no answer within ${settings.connectTimeoutMs} ms`
      : /ENOTFOUND|EAI_AGAIN/.test(text)
        ? 'host name not found'
        : text
  return new ConnectionError(`cannot connect to ${address}: ${cause}`, {
    code: 'UNREACHABLE',
    suggestions: ['Check the address and that the node is running; pass --tls if it only accepts TLS'],
  })
}
