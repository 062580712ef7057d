/** Which server a node runs, as its INFO server section names it. */
export type ServerIdentity = {
  readonly engine: 'redis' | 'valkey'
  /** As the node reports it, e.g. `8.0.1`. */
  readonly version: string
  /** major, minor, patch; 0 where the version has no such part. */
  readonly parts: readonly [number, number, number]
}

/**
 * The engine and version from INFO server fields. Valkey keeps reporting redis_version 7.2.4 for the clients
 * that read it, so its valkey_version wins; server_name is absent before Valkey 8 and on every Redis.
 */
export function parseServerIdentity(info: Readonly<Record<string, string>>): ServerIdentity {
  const valkey = info.server_name === 'valkey' || info.valkey_version !== undefined
  const version = (valkey ? info.valkey_version : info.redis_version) ?? info.redis_version ?? '0.0.0'
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0)
  return {engine: valkey ? 'valkey' : 'redis', parts: [major, minor, patch], version}
}

/** Whether the server runs `engine` at `major.minor` or newer. */
export function isAtLeast(server: ServerIdentity, engine: ServerIdentity['engine'], major: number, minor = 0): boolean {
  const [ownMajor, ownMinor] = server.parts
  return server.engine === engine && (ownMajor > major || (ownMajor === major && ownMinor >= minor))
}

/** `valkey 8.0.1`: how messages name a server. */
export const describeServer = (server: Pick<ServerIdentity, 'engine' | 'version'>): string =>
  `${server.engine} ${server.version}`
