/**
 * Embedded nodes for integration tests: free port pairs, temporary directories, always closed, plus
 * `redis-cli --cluster create` on them (the reference tool builds the cluster, not the code under test).
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestContext} from 'node:test'

import {type EmbeddedNode, type EmbeddedNodeOptions, startEmbeddedNode} from '../../../src/embedded/index.js'
import {freePort, redisCliAsync} from '../../helpers/servers.js'

export type StartedNode = EmbeddedNode & {address: string; dir: string}

export async function startNodes(
  t: TestContext,
  count: number,
  options: Partial<EmbeddedNodeOptions> = {},
): Promise<StartedNode[]> {
  const nodes: StartedNode[] = []
  t.after(async () => {
    await Promise.all(nodes.map((node) => node.close()))
    for (const node of nodes) rmSync(node.dir, {force: true, recursive: true})
  })
  for (let i = 0; i < count; i++) {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'slotctl-embedded-'))
    const node = await startEmbeddedNode({dir, nodeTimeoutMs: 5000, port, ...options})
    nodes.push(Object.assign(node, {address: `127.0.0.1:${port}`, dir}))
  }

  return nodes
}

/** redis-cli, whatever the server under test: embedded nodes mimic Redis 7.0, whose tool is their reference. */
export const redisCli = (args: string[]) => redisCliAsync(args, 'redis-cli')

/** `redis-cli --cluster check ADDR`: the reference tool's verdict. */
export function referenceCheck(address: string): Promise<{output: string; status: number}> {
  return redisCli(['--cluster', 'check', address])
}

/** `redis-cli --cluster create` over the nodes; throws with redis-cli's output when it fails. */
export async function createCluster(nodes: StartedNode[], replicas = 0, password?: string): Promise<string> {
  const auth = password ? ['-a', password, '--no-auth-warning'] : []
  const result = await redisCli([
    ...auth,
    '--cluster',
    'create',
    ...nodes.map((node) => node.address),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ])
  if (result.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${result.output}`)
  return result.output
}
