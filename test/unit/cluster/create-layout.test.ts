import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  checkCreateShape,
  type CreateLayout,
  type CreateNode,
  masterCount,
  planLayout,
  splitSlots,
} from '../../../src/cluster/create-layout.js'
import {UsageError} from '../../../src/cluster/errors.js'
import {SLOT_COUNT} from '../../../src/cluster/keyslot.js'
import {seededRandom} from '../../helpers/shapes.js'

/** `count` nodes on `hosts` hosts: round-robin, at random, or with most of them on the first host. */
function nodesOn(count: number, hosts: number, spread: 'random' | 'round-robin' | 'skewed', next: () => number) {
  return Array.from({length: count}, (_, i): CreateNode => {
    const host =
      spread === 'round-robin'
        ? i % hosts
        : spread === 'random'
          ? Math.floor(next() * hosts)
          : next() < 0.6
            ? 0
            : i % hosts
    return {address: `10.0.0.${host + 1}:${7000 + i}`, host: `10.0.0.${host + 1}`}
  })
}

const sameHostPairs = (layout: CreateLayout) =>
  layout.masters.flatMap((m) => m.replicas.filter((r) => r.host === m.host).map((r) => r.address))

const sharedReplicaHosts = (layout: CreateLayout) =>
  layout.masters.reduce((sum, m) => {
    const hosts = m.replicas.filter((r) => r.host !== m.host).map((r) => r.host)
    return sum + hosts.length - new Set(hosts).size
  }, 0)

/** Replicas on their master's host weigh more than every shared host between replicas together. */
const costOf = (layout: CreateLayout, nodes: number) =>
  sameHostPairs(layout).length * (nodes + 1) + sharedReplicaHosts(layout)

function assertWellFormed(layout: CreateLayout, nodes: CreateNode[], replicas: number) {
  const masters = masterCount(nodes.length, replicas)
  assert.equal(layout.masters.length, masters)
  const placed = layout.masters.flatMap((m) => [m.address, ...m.replicas.map((r) => r.address)])
  assert.deepEqual([...placed].sort(), nodes.map((n) => n.address).sort(), 'every node placed exactly once')
  const counts = layout.masters.map((m) => m.replicas.length)
  assert.ok(Math.min(...counts) >= replicas, 'every master has at least the replicas asked for')
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, 'extra nodes spread one per master')
  let next = 0
  for (const {slots} of layout.masters) {
    assert.equal(slots.start, next, 'ranges are contiguous and in master order')
    next = slots.end + 1
  }

  assert.equal(next, SLOT_COUNT, 'every slot is assigned')
  const sizes = layout.masters.map(({slots}) => slots.end - slots.start + 1)
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, 'slot counts differ by at most one')
  const indexOf = new Map(nodes.map((n, i) => [n.address, i]))
  const order = layout.masters.map((m) => indexOf.get(m.address)!)
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
    'masters in the order the nodes were given',
  )
}

function assertWarningsMatch(layout: CreateLayout) {
  const sameHost = layout.warnings.find((w) => w.code === 'REPLICA_SAME_HOST')
  const pairs = sameHostPairs(layout)
  assert.equal(Boolean(sameHost), pairs.length > 0, 'a warning exactly when a replica shares its master host')
  for (const replica of pairs) assert.ok(sameHost!.message.includes(replica), `the warning names ${replica}`)
  const shared = layout.warnings.find((w) => w.code === 'REPLICAS_SAME_HOST')
  assert.equal(Boolean(shared), sharedReplicaHosts(layout) > 0)
}

/** The lowest cost of any grouping, by trying every assignment of nodes to groups (small shapes only). */
function bruteForceCost(nodes: CreateNode[], replicas: number): number {
  const groups = masterCount(nodes.length, replicas)
  const sizes = Array.from(
    {length: groups},
    (_, i) => Math.floor(nodes.length / groups) + (i < nodes.length % groups ? 1 : 0),
  )
  const members: CreateNode[][] = sizes.map(() => [])
  let best = Number.POSITIVE_INFINITY
  const place = (i: number): void => {
    if (i === nodes.length) {
      best = Math.min(
        best,
        members.reduce((sum, group) => sum + groupCost(group, nodes.length), 0),
      )
      return
    }

    for (const [g, group] of members.entries()) {
      if (group.length === sizes[g]) continue
      group.push(nodes[i]!)
      place(i + 1)
      group.pop()
      // Empty groups are interchangeable: trying the first one is enough.
      if (group.length === 0) break
    }
  }

  place(0)
  return best
}

function groupCost(group: CreateNode[], total: number): number {
  const counts = new Map<string, number>()
  for (const n of group) counts.set(n.host, (counts.get(n.host) ?? 0) + 1)
  const withMaster = Math.min(...counts.values()) - 1
  return withMaster * (total + 1) + (group.length - counts.size - withMaster)
}

describe('splitSlots', () => {
  it('gives redis-cli ranges for 3 and 6 masters', () => {
    assert.deepEqual(splitSlots(3), [
      {end: 5460, start: 0},
      {end: 10_922, start: 5461},
      {end: 16_383, start: 10_923},
    ])
    assert.deepEqual(
      splitSlots(6).map(({end, start}) => `${start}-${end}`),
      ['0-2730', '2731-5460', '5461-8191', '8192-10922', '10923-13652', '13653-16383'],
    )
  })

  it('covers every slot once with sizes within one, for 1 to 1000 masters', () => {
    for (let masters = 1; masters <= 1000; masters++) {
      const ranges = splitSlots(masters)
      assert.equal(ranges[0]!.start, 0)
      assert.equal(ranges.at(-1)!.end, SLOT_COUNT - 1)
      for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end + 1)
      const sizes = ranges.map(({end, start}) => end - start + 1)
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${masters} masters`)
    }
  })
})

describe('checkCreateShape', () => {
  it('refuses fewer than 3 masters with a usage error that explains why', () => {
    assert.throws(
      () => checkCreateShape(2, 0),
      (error: unknown) => error instanceof UsageError && /majority of masters/.test(error.message),
    )
    assert.throws(() => checkCreateShape(5, 1), /give 2 masters/)
    assert.doesNotThrow(() => checkCreateShape(6, 1))
  })
})

describe('planLayout', () => {
  it('puts no replica on its master host for 6 nodes on 3 hosts, and spreads masters over them', () => {
    const nodes = nodesOn(6, 3, 'round-robin', seededRandom(1))
    const layout = planLayout(nodes, 1)
    assert.deepEqual(sameHostPairs(layout), [])
    assert.equal(new Set(layout.masters.map((m) => m.host)).size, 3)
    assert.deepEqual(layout.warnings, [])
  })

  it('makes the first nodes masters when all share one host, and warns naming each pair', () => {
    const nodes = nodesOn(6, 1, 'round-robin', seededRandom(1))
    const layout = planLayout(nodes, 1)
    assert.deepEqual(
      layout.masters.map((m) => `${m.address}<${m.replicas.map((r) => r.address).join(',')}`),
      ['10.0.0.1:7000<10.0.0.1:7003', '10.0.0.1:7001<10.0.0.1:7004', '10.0.0.1:7002<10.0.0.1:7005'],
    )
    const [warning] = layout.warnings
    assert.equal(warning?.code, 'REPLICA_SAME_HOST')
    assert.match(warning.message, /10\.0\.0\.1:7003 replicates 10\.0\.0\.1:7000/)
  })

  it('avoids a replica on its master host when one host has most of the nodes', () => {
    // A:6, B:2, C:1 with 2 replicas each: only masters on B and C keep every replica off its master host.
    const hosts = ['A', 'A', 'A', 'B', 'A', 'A', 'C', 'B', 'A']
    const nodes = hosts.map((host, i) => ({address: `${host}:${i}`, host}))
    const layout = planLayout(nodes, 2)
    assert.deepEqual(sameHostPairs(layout), [])
    assert.deepEqual(
      layout.warnings.map((w) => w.code),
      ['REPLICAS_SAME_HOST'],
    )
  })

  it('is well formed, deterministic and warns exactly when placement falls short, over many shapes', () => {
    const next = seededRandom(42)
    let shapes = 0
    for (let masters = 3; masters <= 50; masters += masters < 12 ? 1 : 7) {
      for (let replicas = 0; replicas <= 3; replicas++) {
        for (const spread of ['round-robin', 'random', 'skewed'] as const) {
          const extra = Math.floor(next() * (replicas + 1))
          const count = masters * (replicas + 1) + extra
          const hosts = 1 + Math.floor(next() * Math.min(count, 12))
          const nodes = nodesOn(count, hosts, spread, next)
          const layout = planLayout(nodes, replicas)
          assertWellFormed(layout, nodes, replicas)
          assertWarningsMatch(layout)
          assert.deepEqual(planLayout(nodes, replicas), layout, 'same input, same layout')
          const busiest = Math.max(
            ...[...new Set(nodes.map((n) => n.host))].map((h) => nodes.filter((n) => n.host === h).length),
          )
          if (busiest <= masters)
            assert.equal(costOf(layout, count), 0, `${count} nodes on ${hosts} hosts: perfect placement exists`)
          shapes++
        }
      }
    }

    assert.equal(shapes, 180)
  })

  it('finds the best placement there is, checked by exhaustive search on small shapes', () => {
    const next = seededRandom(7)
    for (let trial = 0; trial < 300; trial++) {
      const replicas = Math.floor(next() * 3)
      const count = Math.min(10, 3 * (replicas + 1) + Math.floor(next() * 3))
      const hosts = 1 + Math.floor(next() * 4)
      const nodes = nodesOn(count, hosts, trial % 2 ? 'random' : 'skewed', next)
      const layout = planLayout(nodes, replicas)
      assert.equal(costOf(layout, count), bruteForceCost(nodes, replicas), JSON.stringify(nodes.map((n) => n.host)))
    }
  })

  it('spreads masters evenly over hosts that have room for them', () => {
    for (const [count, hosts, replicas] of [
      [6, 3, 1],
      [9, 3, 2],
      [12, 4, 2],
      [20, 5, 1],
      [30, 3, 2],
    ] as const) {
      const layout = planLayout(nodesOn(count, hosts, 'round-robin', seededRandom(3)), replicas)
      const perHost = new Map<string, number>()
      for (const m of layout.masters) perHost.set(m.host, (perHost.get(m.host) ?? 0) + 1)
      const loads = [...perHost.values()]
      assert.equal(perHost.size, Math.min(hosts, layout.masters.length))
      assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `${count} nodes on ${hosts} hosts: ${loads.join(',')}`)
    }
  })
})
