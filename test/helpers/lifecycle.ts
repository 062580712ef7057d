/**
 * The engines the node-lifecycle scenarios (add-node, del-node, call, set-timeout, import...) run on: real
 * server processes (SLOTCTL_TEST_SERVER: redis-server or valkey-server, the engine is named after it), and embedded
 * nodes in this process (left out with SLOTCTL_TEST_EMBEDDED=0). A scenario lists what it needs; an engine
 * that lacks a feature reports the scenario as todo with the reason, so the gap stays visible.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Redis} from 'ioredis'

import {type EmbeddedNode, startEmbeddedNode} from '../../src/embedded/index.js'
import {startCluster} from './cluster.js'
import {
  clientBinary,
  embeddedEnabled,
  onFreePort,
  redisCliAsync,
  SERVER_NAME,
  type ServerOptions,
  startRedisServer,
} from './servers.js'

export type TestNode = {
  readonly address: string
  readonly host: string
  readonly port: number
  /** A client authenticated with the node's password; the caller disconnects it. */
  client(): Redis
  /** Gone at once, like a crash. */
  kill(): Promise<void>
  stop(): Promise<void>
}

export type TestClusterOf = {
  readonly masters: TestNode[]
  readonly replicas: TestNode[]
  readonly seed: string
  close(): Promise<void>
}

export type NodeOptions = {cluster?: boolean; host?: string; password?: string}
export type Feature = 'failover' | 'replicas'

export type Engine = {
  readonly name: string
  /** Features it lacks, each with the reason. */
  readonly lacks: Partial<Record<Feature, string>>
  startCluster(options: {masters: number; password?: string; replicas?: number}): Promise<TestClusterOf>
  startNode(options?: NodeOptions): Promise<TestNode>
}

/** The real server under test; its name is the binary's (`redis-server`, `valkey-server`). */
export const serverEngine: Engine = {
  lacks: {},
  name: SERVER_NAME,
  async startCluster({masters, password, replicas}) {
    const cluster = await startCluster({masters, replicas: replicas ?? 0, ...(password ? {password} : {})})
    const wrap = (server: (typeof cluster.masters)[number]) => wrapServer(server, password)
    return {
      close: () => cluster.close(),
      masters: cluster.masters.map(wrap),
      replicas: cluster.replicas.map(wrap),
      seed: cluster.seed,
    }
  },
  async startNode(options = {}) {
    const settings: ServerOptions = {
      ...(options.cluster === false ? {cluster: false} : {}),
      ...(options.host ? {host: options.host} : {}),
      ...(options.password ? {password: options.password} : {}),
    }
    return wrapServer(await startRedisServer(settings), options.password)
  },
}

function wrapServer(server: Awaited<ReturnType<typeof startRedisServer>>, password?: string): TestNode {
  return {
    address: server.address,
    client: () => server.client(password),
    host: server.host,
    kill: async () => server.kill(),
    port: server.port,
    stop: () => server.stop(),
  }
}

const embeddedEngine: Engine = {
  lacks: {
    failover: 'run by test/integration/failover-embedded.test.ts (this file builds real-server clusters only)',
  },
  name: 'embedded',
  async startCluster({masters, password}) {
    const nodes = await Promise.all(
      Array.from({length: masters}, () => embeddedEngine.startNode(password ? {password} : {})),
    )
    // Embedded nodes mimic Redis 7.0: redis-cli builds their cluster whatever the server under test.
    const created = await redisCliAsync(
      [
        ...(password ? ['-a', password, '--no-auth-warning'] : []),
        '--cluster',
        'create',
        ...nodes.map((node) => node.address),
        '--cluster-yes',
      ],
      'redis-cli',
    )
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.output}`)
    return {
      close: async () => {
        await Promise.all(nodes.map((node) => node.stop()))
      },
      masters: nodes,
      replicas: [],
      seed: nodes[0]!.address,
    }
  },
  async startNode(options = {}) {
    const host = options.host ?? '127.0.0.1'
    const {dir, node, port} = await startOnFreePort(host, (port, dir) =>
      startEmbeddedNode({
        dir,
        host,
        nodeTimeoutMs: 2000,
        port,
        ...(options.cluster === false ? {clusterEnabled: false} : {}),
        ...(options.password ? {password: options.password} : {}),
      }),
    )
    let closed = false
    const close = async () => {
      if (closed) return
      closed = true
      await node.close()
    }

    return {
      address: `${host}:${port}`,
      client: () =>
        new Redis({host, maxRetriesPerRequest: 1, port, ...(options.password ? {password: options.password} : {})}),
      host,
      kill: close,
      port,
      stop: async () => {
        await close()
        rmSync(dir, {force: true, recursive: true})
      },
    }
  },
}

/** The real server, then embedded nodes unless SLOTCTL_TEST_EMBEDDED=0 (a later pass of scripts/run-tests.mjs). */
export const engines: Engine[] = embeddedEnabled() ? [serverEngine, embeddedEngine] : [serverEngine]

/** Whether `engine` is the real server under test (whatever binary SLOTCTL_TEST_SERVER named). */
export function isServerEngine(engine: Engine): boolean {
  return engine === serverEngine
}

/** Starts an embedded node in a new directory, on another port if another test process took the first one. */
function startOnFreePort(
  host: string,
  start: (port: number, dir: string) => Promise<EmbeddedNode>,
): Promise<{dir: string; node: EmbeddedNode; port: number}> {
  const portTaken = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
  return onFreePort(host, portTaken, async (port) => {
    const dir = mkdtempSync(join(tmpdir(), 'slotctl-embedded-'))
    try {
      return {dir, node: await start(port, dir), port}
    } catch (error) {
      rmSync(dir, {force: true, recursive: true})
      throw error
    }
  })
}

/** Why `engine` cannot run a scenario that needs `features`, or undefined when it can. */
export function lacking(engine: Engine, ...features: Feature[]): string | undefined {
  const missing = features.flatMap((feature) => engine.lacks[feature] ?? [])
  return missing.length > 0 ? `${engine.name}: ${missing.join('; ')}` : undefined
}

/** The client of the server under test (redis-cli, or valkey-cli for valkey), without blocking. */
export const runRedisCli = (args: string[]) => redisCliAsync(args, clientBinary())

/** `redis-cli --cluster check ADDR` (`valkey-cli` on valkey), the judge, without blocking. */
export function judge(address: string, password?: string): Promise<{output: string; status: number}> {
  return runRedisCli([...(password ? ['-a', password, '--no-auth-warning'] : []), '--cluster', 'check', address])
}

/** CLUSTER NODES of `node`, as text. */
export async function clusterNodesOf(node: TestNode): Promise<string> {
  const client = node.client()
  try {
    return String(await client.call('CLUSTER', 'NODES'))
  } finally {
    client.disconnect()
  }
}

/** Runs `fn` with a client on `node`, and closes it. */
export async function withClient<T>(node: TestNode, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = node.client()
  try {
    return await fn(client)
  } finally {
    client.disconnect()
  }
}
