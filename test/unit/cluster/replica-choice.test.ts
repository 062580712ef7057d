import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type NodeLine, parseClusterNodes} from '../../../src/cluster/nodes.js'
import {chooseMasterForReplica} from '../../../src/cluster/replica-choice.js'

const id = (n: number) => n.toString(16).padStart(40, '0')

/** A CLUSTER NODES line; `master` is the id number a replica follows. */
function line(n: number, host: string, options: {flags?: string; master?: number; slots?: string} = {}): string {
  const role = options.master === undefined ? 'master' : 'slave'
  const flags = options.flags ? `${role},${options.flags}` : role
  const master = options.master === undefined ? '-' : id(options.master)
  return `${id(n)} ${host}:${7000 + n}@${17_000 + n} ${flags} ${master} 0 0 ${n} connected ${options.slots ?? ''}`
}

const view = (...lines: string[]) => parseClusterNodes(lines.join('\n'))

describe('chooseMasterForReplica', () => {
  it('takes the master with the fewest replicas', () => {
    const nodes = view(
      line(1, '10.0.0.1', {slots: '0-8191'}),
      line(2, '10.0.0.2', {slots: '8192-16383'}),
      line(3, '10.0.0.3', {master: 1}),
    )
    assert.equal(chooseMasterForReplica(nodes, {replicaHost: '10.0.0.9'})?.id, id(2))
  })

  it('prefers a master on another host than the replica when counts tie', () => {
    const nodes = view(line(1, '10.0.0.1', {slots: '0-8191'}), line(2, '10.0.0.2', {slots: '8192-16383'}))
    assert.equal(chooseMasterForReplica(nodes, {replicaHost: '10.0.0.1'})?.id, id(2))
    assert.equal(chooseMasterForReplica(nodes, {replicaHost: '10.0.0.2'})?.id, id(1))
  })

  it('skips failed, suspected and excluded masters, and masters without slots while others have some', () => {
    const nodes = view(
      line(1, '10.0.0.1', {flags: 'fail', slots: '0-4000'}),
      line(2, '10.0.0.2', {flags: 'fail?', slots: '4001-8000'}),
      line(3, '10.0.0.3', {slots: '8001-12000'}),
      line(4, '10.0.0.4', {slots: '12001-16383'}),
      line(5, '10.0.0.5'),
    )
    assert.equal(chooseMasterForReplica(nodes, {exclude: [id(3)], replicaHost: '10.0.0.9'})?.id, id(4))
    assert.equal(chooseMasterForReplica(nodes, {exclude: [id(3), id(4)], replicaHost: '10.0.0.9'})?.id, id(5))
    assert.equal(chooseMasterForReplica(nodes, {exclude: [id(3), id(4), id(5)], replicaHost: '10.0.0.9'}), undefined)
  })

  it('falls back to slotless masters when no master has slots', () => {
    const nodes = view(line(1, '10.0.0.1'), line(2, '10.0.0.2', {master: 1}), line(3, '10.0.0.3'))
    assert.equal(chooseMasterForReplica(nodes, {replicaHost: '10.0.0.9'})?.id, id(3))
  })

  it('over many random shapes: never a replica, never excluded, and no healthy master has fewer replicas', () => {
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }

    for (let round = 0; round < 500; round++) {
      const masterCount = 1 + random(6)
      const lines = Array.from({length: masterCount}, (_, i) =>
        line(i + 1, `10.0.0.${1 + random(3)}`, {slots: `${i * 100}-${i * 100 + 99}`}),
      )
      const replicaCount = random(8)
      for (let r = 0; r < replicaCount; r++)
        lines.push(line(100 + r, `10.0.0.${1 + random(3)}`, {master: 1 + random(masterCount)}))
      const nodes = view(...lines)
      const excluded = random(2) === 0 ? [id(1)] : []
      const host = `10.0.0.${1 + random(3)}`
      const chosen = chooseMasterForReplica(nodes, {exclude: excluded, replicaHost: host})
      const eligible = nodes.filter((node) => node.role === 'master' && !excluded.includes(node.id))
      if (eligible.length === 0) {
        assert.equal(chosen, undefined)
        continue
      }

      assert.ok(chosen && chosen.role === 'master' && !excluded.includes(chosen.id))
      const count = (master: NodeLine) => nodes.filter((node) => node.masterId === master.id).length
      const fewest = Math.min(...eligible.map((master) => count(master)))
      assert.equal(count(chosen), fewest)
      const tied = eligible.filter((master) => count(master) === fewest)
      if (tied.some((master) => master.host !== host)) assert.notEqual(chosen.host, host)
    }
  })
})
