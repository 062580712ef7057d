import {readFileSync} from 'node:fs'

import {type ClusterSnapshot, type NodeReplies, readingFrom} from '../../src/cluster/snapshot.js'

export type ClusterFixture = {description: string; nodes: NodeReplies[]; seed: string}

/** A cluster state captured from real redis-server nodes by scripts/capture-nodes-fixtures.mts. */
export function loadClusterFixture(name: string): ClusterFixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/cluster/${name}.json`, import.meta.url), 'utf8'))
}

/** The snapshot slotctl would have read from the captured nodes, the seed first; `down` nodes are unreachable. */
export function snapshotFromFixture(name: string): ClusterSnapshot {
  const fixture = loadClusterFixture(name)
  const ordered = [...fixture.nodes].sort(
    (a, b) => Number(b.address === fixture.seed) - Number(a.address === fixture.seed),
  )
  const nodes = ordered.map((replies) => readingFrom(replies))
  const read = new Set(nodes.map((node) => node.self.id))
  const unreachable = nodes[0]!.view
    .filter((line) => !read.has(line.id) && !line.flags.includes('handshake'))
    .map((line) => ({address: `${line.host}:${line.port}`, error: 'connection refused', id: line.id}))
  return {nodes, seed: fixture.seed, unreachable}
}
