/**
 * The two sides of a differential test: the oracle (a real redis-server 7.0.15) and the subject (the embedded node,
 * or, with CONFORMANCE_SUBJECT=redis-server, a second real server, which checks that the suite's normalisers cover
 * every legitimate difference between two runs of the same server).
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {EmbeddedNodeOptions} from '../../../src/embedded/index.js'
import {freePort, startRedisServer, waitFor} from '../servers.js'
import {type Reply, command, textOf} from './resp.js'

export type Flavour = 'embedded' | 'real'

export type TestNode = {
  busPort: number
  close(): Promise<void>
  flavour: Flavour
  host: string
  /** The node id, '' for a standalone server. */
  id: string
  password?: string
  port: number
}

export type NodeOptions = {cluster: boolean; password?: string}

export type EmbeddedOptions = EmbeddedNodeOptions

/** Whether the embedded node's entry point exists (it was written alongside this suite). */
export function embeddedAvailable(): boolean {
  return existsSync(fileURLToPath(new URL('../../../src/embedded/index.ts', import.meta.url)))
}

/** What the suite compares against redis-server: `embedded` unless CONFORMANCE_SUBJECT=redis-server. */
export function subjectFlavour(): Flavour {
  return process.env.CONFORMANCE_SUBJECT === 'redis-server' ? 'real' : 'embedded'
}

/** Why the subject cannot run yet, or undefined when it can. */
export function subjectMissing(): string | undefined {
  if (subjectFlavour() === 'embedded' && !embeddedAvailable()) return 'src/embedded/index.ts does not exist yet'
  return undefined
}

export const NODE_TIMEOUT_MS = 2000

/** Starts the embedded node with the same settings the redis-server harness uses. */
export async function startEmbedded(
  options: Omit<EmbeddedOptions, 'port'> & {port?: number},
): Promise<{close(): Promise<void>; host: string; id: string; port: number}> {
  const module = await import('../../../src/embedded/index.js')
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? (await freePort(host))
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'slotctl-embedded-'))
  const node = await module.startEmbeddedNode({
    busPort: port + 10_000,
    clusterEnabled: true,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
    ...options,
    dir,
    host,
    port,
  })
  return {
    close: async () => {
      await node.close()
      if (!options.dir) rmSync(dir, {force: true, recursive: true})
    },
    host: node.host,
    id: node.id,
    port: node.port,
  }
}

export async function startNode(flavour: Flavour, options: NodeOptions): Promise<TestNode> {
  const password = options.password === undefined ? {} : {password: options.password}
  if (flavour === 'real') {
    const server = await startRedisServer({
      // The oracle is Redis 7.0 whatever SLOTCTL_TEST_SERVER says: the embedded node mimics it, not Valkey.
      binary: 'redis-server',
      cluster: options.cluster,
      // DEBUG DIGEST-VALUE is compared too; 7.0 refuses DEBUG unless this is set at startup.
      // A replica's first sync should not wait the default 5 s for more replicas to join.
      config: {'enable-debug-command': 'yes', 'repl-diskless-sync-delay': '0'},
    })
    const node: TestNode = {
      busPort: server.port + 10_000,
      close: () => server.stop(),
      flavour,
      host: server.host,
      id: '',
      port: server.port,
    }
    if (options.cluster) node.id = textOf(await command(node.host, node.port, ['CLUSTER', 'MYID']))!
    // The password is set once the server answers: the harness's start-up ping does not authenticate.
    if (options.password) {
      await command(node.host, node.port, ['CONFIG', 'SET', 'requirepass', options.password])
      node.password = options.password
    }

    return node
  }

  const node = await startEmbedded({clusterEnabled: options.cluster, ...password})
  return {
    busPort: node.port + 10_000,
    close: () => node.close(),
    flavour,
    host: node.host,
    id: node.id,
    port: node.port,
    ...password,
  }
}

export function call(node: TestNode, ...argv: string[]): Promise<Reply> {
  return command(node.host, node.port, argv, node.password)
}

export async function clusterInfo(node: TestNode): Promise<string> {
  return textOf(await call(node, 'CLUSTER', 'INFO')) ?? ''
}

/** Gives `node` every slot and waits for cluster_state:ok. */
export async function assignAllSlots(node: TestNode): Promise<void> {
  await call(node, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  await waitFor(`cluster_state:ok on ${node.flavour} ${node.port}`, async () =>
    (await clusterInfo(node)).includes('cluster_state:ok'),
  )
}

/** A two-master cluster: `a` serves 0-8191, `b` serves 8192-16383; waits until both agree and are ok. */
export async function joinTwo(a: TestNode, b: TestNode): Promise<void> {
  await call(a, 'CLUSTER', 'ADDSLOTSRANGE', '0', '8191')
  await call(b, 'CLUSTER', 'ADDSLOTSRANGE', '8192', '16383')
  await call(a, 'CLUSTER', 'MEET', b.host, String(b.port))
  await waitFor(`two ${a.flavour} nodes to form a cluster`, async () => {
    for (const node of [a, b]) {
      const info = await clusterInfo(node)
      if (!info.includes('cluster_state:ok') || !info.includes('cluster_known_nodes:2')) return false
      const slots = await call(node, 'CLUSTER', 'SLOTS')
      if (slots.t !== '*' || slots.v?.length !== 2) return false
    }

    return true
  })
}

/** A master `a` with every slot and its replica `b`; waits until both see `b` as a replica of `a` and are ok. */
export async function joinReplica(a: TestNode, b: TestNode): Promise<void> {
  await call(a, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  await call(a, 'CLUSTER', 'MEET', b.host, String(b.port))
  // known_nodes counts handshake nodes too: wait until each knows the other's real id.
  await waitFor(`${a.flavour} nodes to meet`, async () => {
    const [viewA, viewB] = await Promise.all([call(a, 'CLUSTER', 'NODES'), call(b, 'CLUSTER', 'NODES')])
    return (textOf(viewA) ?? '').includes(b.id) && (textOf(viewB) ?? '').includes(a.id)
  })
  await call(b, 'CLUSTER', 'REPLICATE', a.id)
  await waitFor(`${a.flavour} replica to be seen by both nodes`, async () => {
    for (const node of [a, b]) {
      const nodes = textOf(await call(node, 'CLUSTER', 'NODES')) ?? ''
      if (!nodes.split('\n').some((line) => line.startsWith(`${b.id} `) && line.includes(`slave ${a.id}`))) return false
      if (!(await clusterInfo(node)).includes('cluster_state:ok')) return false
    }

    // A real replica has finished its first sync (the embedded node may not report the link at all).
    if (b.flavour === 'real')
      return (textOf(await call(b, 'INFO', 'replication')) ?? '').includes('master_link_status:up')
    return true
  })
}

/** Deletes every key on every node (not compared: the reset between cases). */
export async function flushAll(nodes: TestNode[]): Promise<void> {
  // Replicas refuse writes (READONLY You can't write against a read only replica.): only masters are flushed.
  await Promise.all(
    nodes.map(async (node) => {
      const role = textOf(await call(node, 'INFO', 'replication')) ?? ''
      if (!role.includes('role:slave')) await call(node, 'FLUSHALL')
    }),
  )
}
