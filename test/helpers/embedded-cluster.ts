/**
 * Clusters of embedded nodes for tests that crash nodes: each node runs in its own daemon process (as the sandbox
 * runs them), so `kill` is a real SIGKILL and `start` brings the node back from its directory. The nodes look like
 * RedisServer ones, so TestCluster and the tests written for redis-server take them unchanged.
 */
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {joinCluster, TestCluster} from './cluster.js'
import {freePort, RedisServer} from './servers.js'

const DAEMON = fileURLToPath(new URL('../../src/embedded/daemon.ts', import.meta.url))
const STARTUP_TIMEOUT_MS = 30_000

export class EmbeddedServer extends RedisServer {
  constructor(
    host: string,
    port: number,
    private readonly nodeTimeoutMs: number,
  ) {
    super(host, port, [])
  }

  /** Runs the node in a daemon of its own and waits until it says ready. */
  override async start(): Promise<void> {
    const config = join(this.dir, 'daemon.json')
    const node = {dir: this.dir, host: this.host, nodeTimeoutMs: this.nodeTimeoutMs, port: this.port}
    writeFileSync(config, JSON.stringify({nodes: [node]}))
    const child = spawn(process.execPath, ['--import', 'tsx', DAEMON, '--config', config], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    this.process = child
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`embedded node ${this.address} did not start`)), STARTUP_TIMEOUT_MS)
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (!output.includes('ready\n')) return
        clearTimeout(timer)
        resolve()
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`embedded node ${this.address} exited with ${code}`))
      })
    }).catch((error: unknown) => {
      this.kill()
      throw error
    })
  }
}

const started = new Set<EmbeddedServer>()
process.once('exit', () => {
  for (const server of started) server.kill()
})

/** `count` embedded nodes, each in a daemon process of its own, started; killed if this process exits first. */
export async function startEmbeddedServers(count: number, nodeTimeoutMs = 2000): Promise<EmbeddedServer[]> {
  const servers: EmbeddedServer[] = []
  for (let i = 0; i < count; i++) {
    // eslint-disable-next-line no-await-in-loop
    servers.push(new EmbeddedServer('127.0.0.1', await freePort(), nodeTimeoutMs))
  }

  for (const server of servers) started.add(server)
  try {
    await Promise.all(servers.map((server) => server.start()))
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()))
    throw error
  }

  return servers
}

/** Embedded nodes in daemon processes, joined like startCluster joins redis-server ones. */
export async function startEmbeddedCluster(
  options: {masters?: number; nodeTimeoutMs?: number; replicas?: number} = {},
): Promise<TestCluster> {
  const masterCount = options.masters ?? 3
  const replicasEach = options.replicas ?? 0
  const servers = await startEmbeddedServers(masterCount * (1 + replicasEach), options.nodeTimeoutMs)
  const cluster = new TestCluster(servers.slice(0, masterCount), servers.slice(masterCount), undefined)
  try {
    await joinCluster(cluster, replicasEach)
  } catch (error) {
    await cluster.close()
    throw error
  }

  return cluster
}
