import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {OperationError} from '../cluster/errors.js'
import type {SandboxEngine} from './engine.js'
import {commandLineOf, spawnDetached} from './processes.js'

/**
 * Built-in nodes: one embedded daemon process per node (so that stop-node can crash one alone), configured
 * by a daemon.json in the node's directory. Runs from dist, or from src through tsx when slotctl itself does.
 */
export const embeddedEngine: SandboxEngine = {
  checkAvailable() {
    if (daemonCommand()) return
    throw new OperationError('the embedded node is missing from this slotctl build', {
      code: 'ENGINE_MISSING',
      suggestions: ['Rebuild slotctl (npm run build), or use: slotctl sandbox up --engine redis-server'],
    })
  },

  name: 'embedded',

  runs(pid, spec) {
    const commandLine = commandLineOf(pid)
    return commandLine === undefined || commandLine.includes(join(spec.dir, 'daemon.json'))
  },

  start(spec) {
    const config = join(spec.dir, 'daemon.json')
    // Keys saved a second after a write: a node crashed with stop-node comes back with all but the last moment.
    const node = {dir: spec.dir, host: spec.host, nodeTimeoutMs: spec.nodeTimeoutMs, port: spec.port, saveDelayMs: 1000}
    writeFileSync(config, `${JSON.stringify({nodes: [node]}, undefined, 2)}\n`)
    const command = daemonCommand()
    if (!command)
      throw new OperationError('the embedded node is missing from this slotctl build', {code: 'ENGINE_MISSING'})
    return spawnDetached(process.execPath, [...command, '--config', config], spec.dir)
  },
}

/** Node arguments that run the daemon next to this file: compiled, or TypeScript through tsx. */
function daemonCommand(): string[] | undefined {
  const compiled = fileURLToPath(new URL('../embedded/daemon.js', import.meta.url))
  if (existsSync(compiled)) return [compiled]
  const source = fileURLToPath(new URL('../embedded/daemon.ts', import.meta.url))
  // tsx resolved from here: the daemon runs in the node's directory, where it would not be found.
  return existsSync(source) ? ['--import', import.meta.resolve('tsx'), source] : undefined
}
