import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {OperationError} from '../cluster/errors.js'
import type {NodeSpec, SandboxEngine} from './engine.js'
import {commandLineOf, spawnDetached} from './processes.js'

/** Real `redis-server` processes, one per node, each configured by a redis.conf in its own directory. */
export const redisServerEngine: SandboxEngine = {
  checkAvailable() {
    const probe = spawnSync('redis-server', ['--version'], {encoding: 'utf8'})
    if (probe.status === 0) return
    throw new OperationError('redis-server is not installed (or not on PATH)', {
      code: 'ENGINE_MISSING',
      suggestions: [
        'Install it: sudo apt-get install -y redis-server (Debian, Ubuntu), brew install redis (macOS), sudo dnf install redis (Fedora)',
        'Or run the built-in nodes instead: slotctl sandbox up --engine embedded',
      ],
    })
  },

  name: 'redis-server',

  runs(pid, spec) {
    const commandLine = commandLineOf(pid)
    // redis-server rewrites its process title to `redis-server HOST:PORT [cluster]`; port 1700 is not 17000.
    return (
      commandLine === undefined ||
      (commandLine.includes('redis-server') && new RegExp(`:${spec.port}(?!\\d)`).test(commandLine))
    )
  },

  start(spec) {
    const config = join(spec.dir, 'redis.conf')
    writeFileSync(config, configFor(spec))
    return spawnDetached('redis-server', [config], spec.dir)
  },
}

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
