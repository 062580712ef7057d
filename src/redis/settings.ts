import {UsageError} from '../cluster/errors.js'
import type {ConnectionSettings} from './connection.js'

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
    commandTimeoutMs: 10_000,
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
