import {readFileSync} from 'node:fs'
import {isIP} from 'node:net'
import type {ConnectionOptions as TlsConnectionOptions} from 'node:tls'

import type {NodeAddress} from '../cluster/address.js'
import {UsageError} from '../cluster/errors.js'

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

/** The connection flags every command shares, as parsed (by oclif or by the express lane). */
export type ConnectionFlags = {
  cacert?: string | undefined
  cert?: string | undefined
  'connect-timeout': number
  insecure: boolean
  key?: string | undefined
  tls: boolean
  user?: string | undefined
}

/** Connection settings from the flags; `password` comes from the flag, REDISCLI_AUTH or --askpass. */
export function connectionSettingsFrom(flags: ConnectionFlags, password: string | undefined): ConnectionSettings {
  const tlsOnly = (['cacert', 'cert', 'key', 'insecure'] as const).find((name) => flags[name] && !flags.tls)
  if (tlsOnly) {
    throw new UsageError(`--${tlsOnly} applies to TLS connections only`, {
      code: 'TLS_FLAG_WITHOUT_TLS',
      suggestions: [`Add --tls, or drop --${tlsOnly}`],
    })
  }

  return {
    commandTimeoutMs: DEFAULT_SETTINGS.commandTimeoutMs,
    connectTimeoutMs: flags['connect-timeout'],
    ...(password ? {password} : {}),
    ...(flags.user ? {user: flags.user} : {}),
    ...(flags.tls
      ? {
          tls: {
            insecure: flags.insecure,
            ...(flags.cacert ? {caFile: flags.cacert} : {}),
            ...(flags.cert ? {certFile: flags.cert} : {}),
            ...(flags.key ? {keyFile: flags.key} : {}),
          },
        }
      : {}),
  }
}

/** AUTH's arguments (`user password` for an ACL user, else `password`); undefined without a password. */
export function authArgs(settings: ConnectionSettings): string[] | undefined {
  if (settings.password === undefined) return undefined
  return settings.user === undefined ? [settings.password] : [settings.user, settings.password]
}

/**
 * A server that needs no password answers AUTH with an error; redis-cli carries on there, and so does
 * slotctl (a password kept in REDISCLI_AUTH must not break clusters that have none).
 */
export function isNeedlessAuth(message: string): boolean {
  return /without any password configured|no password is set/i.test(message)
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
