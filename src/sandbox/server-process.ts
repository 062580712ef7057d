import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {OperationError} from '../cluster/errors.js'
import type {NodeSpec, SandboxEngine} from './engine.js'
import {commandLineOf, spawnDetached} from './processes.js'

/** Each server's config file name, and how to install it (for ENGINE_MISSING). */
const SERVERS = {
  'redis-server': {
    config: 'redis.conf',
    install:
      'Install it: sudo apt-get install -y redis-server (Debian, Ubuntu), brew install redis (macOS), sudo dnf install redis (Fedora)',
  },
  'valkey-server': {
    config: 'valkey.conf',
    install:
      'Install it: sudo apt-get install -y valkey-server (Debian 13, Ubuntu 24.10; bookworm-backports on Debian 12), brew install valkey (macOS), sudo dnf install valkey (Fedora)',
  },
} as const

/**
 * Real server processes, one per node, each configured by a config file in its own directory. Valkey takes
 * redis.conf's directives, and both rewrite their process title to `NAME HOST:PORT [cluster]`.
 */
function serverProcessEngine(name: keyof typeof SERVERS): SandboxEngine {
  return {
    checkAvailable() {
      const probe = spawnSync(name, ['--version'], {encoding: 'utf8'})
      if (probe.status === 0) return
      throw new OperationError(`${name} is not installed (or not on PATH)`, {
        code: 'ENGINE_MISSING',
        suggestions: [SERVERS[name].install, 'Or run the built-in nodes instead: slotctl sandbox up --engine embedded'],
      })
    },

    name,

    runs(pid, spec) {
      const commandLine = commandLineOf(pid)
      // Port 1700 is not 17000.
      return (
        commandLine === undefined ||
        (commandLine.includes(name) && new RegExp(`:${spec.port}(?!\\d)`).test(commandLine))
      )
    },

    start(spec) {
      const config = join(spec.dir, SERVERS[name].config)
      writeFileSync(config, configFor(spec))
      return spawnDetached(name, [config], spec.dir)
    },
  }
}

export const redisServerEngine = serverProcessEngine('redis-server')
export const valkeyServerEngine = serverProcessEngine('valkey-server')

function configFor({dir, host, nodeTimeoutMs, port}: NodeSpec): string {
  const settings: Array<[string, string]> = [
    ['bind', host],
    ['port', String(port)],
    ['dir', dir],
    ['cluster-enabled', 'yes'],
    ['cluster-config-file', 'nodes.conf'],
    ['cluster-node-timeout', String(nodeTimeoutMs)],
    ['appendonly', 'no'],
    // Replicas sync at once instead of after the default 5 s wait for more replicas to join a diskless sync.
    ['repl-diskless-sync-delay', '0'],
    // Saved a second after a write and on shutdown, as the embedded nodes do: `down` then `up` keeps the keys.
    ['save', '1 1'],
    ['daemonize', 'no'],
    ['logfile', '""'],
  ]
  return `# Written by slotctl sandbox.\n${settings.map(([name, value]) => `${name} ${value}`).join('\n')}\n`
}
