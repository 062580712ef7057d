import {readFileSync} from 'node:fs'

import {parseServerIdentity, type ServerIdentity} from '../../../../src/cluster/capabilities/index.js'
import {parseInfo} from '../../../../src/cluster/info.js'

/** INFO server text captured from a real server (fixtures/servers/README.md). */
export const infoServerText = (name: 'embedded' | 'redis-7.0.15' | 'valkey-8.0.1'): string =>
  readFileSync(new URL(`../../../../fixtures/servers/${name}.txt`, import.meta.url), 'utf8')

/** A server as its INFO server would name it, for versions no captured fixture covers. */
export const server = (engine: ServerIdentity['engine'], version: string): ServerIdentity =>
  parseServerIdentity(
    engine === 'valkey'
      ? {redis_version: '7.2.4', server_name: 'valkey', valkey_version: version}
      : {redis_version: version},
  )

export const captured = (name: Parameters<typeof infoServerText>[0]): ServerIdentity =>
  parseServerIdentity(parseInfo(infoServerText(name)))
