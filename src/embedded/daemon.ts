/**
 * `node dist/embedded/daemon.js --config FILE [--ready-file FILE]`: runs every node of FILE
 * (`{nodes: [{host, port, dir, password?, nodeTimeoutMs?, saveDelayMs?}]}`) in this process, says `ready` on
 * stdout (and writes the ready file) once all of them listen, closes them on SIGTERM or SIGINT (each saves its
 * keys), and exits once every node is closed, SHUTDOWN included.
 * It imports nothing outside src/embedded and the shared key-slot function, so it starts fast.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {parseArgs} from 'node:util'

import {type EmbeddedNode, type EmbeddedNodeOptions, startEmbeddedNode} from './node.js'

type DaemonConfig = {nodes: EmbeddedNodeOptions[]}

function readConfig(file: string): DaemonConfig {
  const config = JSON.parse(readFileSync(file, 'utf8')) as Partial<DaemonConfig>
  if (!Array.isArray(config.nodes) || config.nodes.length === 0)
    throw new Error(`${file}: "nodes" must list at least one node`)
  for (const node of config.nodes) {
    if (!Number.isInteger(node.port)) throw new Error(`${file}: every node needs an integer "port"`)
  }

  return {nodes: config.nodes}
}

async function main(): Promise<void> {
  const {values} = parseArgs({options: {config: {type: 'string'}, 'ready-file': {type: 'string'}}})
  if (!values.config) throw new Error('usage: daemon.js --config FILE [--ready-file FILE]')
  const config = readConfig(values.config)
  const nodes: EmbeddedNode[] = []
  const closeAll = async () => {
    await Promise.all(nodes.map((node) => node.close()))
  }

  try {
    for (const options of config.nodes) nodes.push(await startEmbeddedNode(options))
  } catch (error) {
    await closeAll()
    throw error
  }

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void closeAll().then(() => process.exit(0))
  }

  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  // Nodes closed by SHUTDOWN: the daemon ends with its last node.
  void Promise.all(nodes.map((node) => node.closed)).then(() => process.exit(0))
  // The file first: whoever sees `ready` on stdout may read the file at once.
  if (values['ready-file']) writeFileSync(values['ready-file'], 'ready\n')
  process.stdout.write('ready\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded daemon: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
