import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type CreateLayout, planLayout} from '../../../src/cluster/create-layout.js'
import {
  buildCreatePlan,
  createPlanChanges,
  type CreateTarget,
  diagnoseNodes,
  parseCreatePlan,
  plannedMasters,
  planNodes,
} from '../../../src/cluster/create-plan.js'
import {parseClusterNodes} from '../../../src/cluster/nodes.js'
import type {NodeReading} from '../../../src/cluster/snapshot.js'
import {formatRanges} from '../../../src/cluster/slots.js'

const PORTS = [7000, 7001, 7002, 7003, 7004, 7005]
const idOf = (port: number) => `${port}`.padStart(40, 'a')
const addressOf = (port: number) => `127.0.0.1:${port}`

const targets: CreateTarget[] = PORTS.map((port, i) => ({
  address: addressOf(port),
  id: idOf(port),
  // The fourth node listens for the bus on a port of its own, so the others must MEET it with that port.
  meet: {busPort: i === 0 ? 17_999 : port + 10_000, ip: '127.0.0.1', port},
}))
const layout = planLayout(
  targets.map(({address}) => ({address, host: '127.0.0.1'})),
  1,
)

/** A node's reading: its CLUSTER NODES (its own line flagged myself) and what INFO said. */
function reading(port: number, lines: string[], {keys = 0, state = 'fail'} = {}): NodeReading {
  const view = parseClusterNodes(
    lines
      .map((line) =>
        line.startsWith(idOf(port))
          ? line.replace(' master', ' myself,master').replace(' slave', ' myself,slave')
          : line,
      )
      .join('\n'),
  )
  const self = view.find((line) => line.id === idOf(port))!
  return {
    address: addressOf(port),
    clusterInfo: {cluster_state: state},
    info: {},
    keys,
    self,
    server: {engine: 'redis', parts: [7, 0, 15], version: '7.0.15'},
    view,
  }
}

const freshLine = (port: number) => `${idOf(port)} :${port}@${port + 10_000} master - 0 0 0 connected`

/** CLUSTER NODES lines of the cluster `layout` describes, as every member would print it. */
function formedLines(plan: CreateLayout): string[] {
  return plan.masters.flatMap((master) => {
    const port = Number(master.address.split(':')[1])
    return [
      `${idOf(port)} ${master.address}@${port + 10_000} master - 0 0 1 connected ${formatRanges([master.slots]).replace(',', ' ')}`,
      ...master.replicas.map((replica) => {
        const replicaPort = Number(replica.address.split(':')[1])
        return `${idOf(replicaPort)} ${replica.address}@${replicaPort + 10_000} slave ${idOf(port)} 0 0 1 connected`
      }),
    ]
  })
}

describe('buildCreatePlan', () => {
  const plan = buildCreatePlan(layout, targets, {nodes: []}, new Date('2026-01-02T03:04:05Z'))
  const actions = plan.steps.map((step) => step.action)

  it('assigns slots, sets distinct epochs, MEETs, waits, replicates, waits: in that order', () => {
    assert.deepEqual(actions, [
      ...Array(3).fill('add-slots'),
      ...Array(6).fill('set-config-epoch'),
      ...Array(5).fill('meet'),
      'wait-joined',
      ...Array(3).fill('replicate'),
      'wait-replicas',
    ])
    assert.equal(plan.kind, 'create')
    assert.equal(plan.seed, layout.masters[0]!.address)
    assert.equal(plan.createdAt, '2026-01-02T03:04:05.000Z')
  })

  it('gives every node its own config epoch', () => {
    const epochs = plan.steps.flatMap((step) => (step.action === 'set-config-epoch' ? [step.epoch] : []))
    assert.equal(new Set(epochs).size, PORTS.length)
  })

  it('has every other node MEET the first master, with its bus port', () => {
    const meets = plan.steps.flatMap((step) => (step.action === 'meet' ? [step] : []))
    assert.deepEqual(
      meets.map((step) => step.node).sort(),
      targets
        .slice(1)
        .map((t) => t.address)
        .sort(),
    )
    for (const step of meets) assert.deepEqual(step.peer, {busPort: 17_999, ip: '127.0.0.1', port: 7000})
  })

  it('has each replica REPLICATE its planned master by id, and waits for all of them to be seen', () => {
    const replicate = plan.steps.flatMap((step) => (step.action === 'replicate' ? [step] : []))
    const expected = layout.masters.flatMap((m) =>
      m.replicas.map((r) => `${r.address}->${idOf(Number(m.address.split(':')[1]))}`),
    )
    assert.deepEqual(
      replicate.map((step) => `${step.node}->${step.master.id}`),
      expected,
    )
    const wait = plan.steps.at(-1)
    assert.equal(wait?.action === 'wait-replicas' && wait.replicas.length, 3)
  })

  it('is plain data: it survives a JSON round trip unchanged', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan)
  })

  it('ends with the join wait when there are no replicas', () => {
    const noReplicas = planLayout(
      targets.slice(0, 3).map(({address}) => ({address, host: '127.0.0.1'})),
      0,
    )
    const short = buildCreatePlan(noReplicas, targets.slice(0, 3), {nodes: []}, new Date())
    assert.equal(short.steps.at(-1)?.action, 'wait-joined')
  })
})

describe('diagnoseNodes', () => {
  it('finds empty nodes empty', () => {
    assert.deepEqual(
      diagnoseNodes(
        layout,
        PORTS.map((port) => reading(port, [freshLine(port)])),
      ),
      {state: 'empty'},
    )
  })

  it('names only the nodes in the way, with each reason', () => {
    const readings = PORTS.map((port) => reading(port, [freshLine(port)]))
    readings[2] = reading(7002, [freshLine(7002)], {keys: 3})
    readings[4] = reading(7004, [`${freshLine(7004)} 0-99`, freshLine(7005)])
    assert.deepEqual(diagnoseNodes(layout, readings), {
      problems: [
        {address: '127.0.0.1:7002', reason: 'holds 3 keys'},
        {address: '127.0.0.1:7004', reason: 'owns slots 0-99'},
        {address: '127.0.0.1:7004', reason: `knows 1 other node (node ${idOf(7005).slice(0, 8)})`},
      ],
      state: 'not-empty',
    })
  })

  it('recognises the planned cluster once formed', () => {
    const lines = formedLines(layout)
    assert.deepEqual(
      diagnoseNodes(
        layout,
        PORTS.map((port) => reading(port, lines, {state: 'ok'})),
      ),
      {state: 'created'},
    )
  })

  it('says precisely how a formed cluster differs from the plan', () => {
    const lines = formedLines(layout).filter((line) => !line.includes(' slave '))
    const unreplicated = [
      ...lines,
      ...layout.masters.flatMap((m) => m.replicas.map((r) => freshLine(Number(r.address.split(':')[1])))),
    ]
    const diagnosis = diagnoseNodes(
      layout,
      PORTS.map((port) => reading(port, unreplicated, {state: 'ok'})),
    )
    assert.equal(diagnosis.state, 'differs')
    const reasons = 'problems' in diagnosis ? diagnosis.problems.map((p) => `${p.address} ${p.reason}`) : []
    const [master] = layout.masters
    const replica = master!.replicas[0]!
    assert.ok(
      reasons.includes(
        `${replica.address} is a master without slots, the plan makes it a replica of ${master!.address}`,
      ),
      reasons.join('\n'),
    )
  })
})

describe('a saved create plan', () => {
  const plan = buildCreatePlan(layout, targets, {nodes: []}, new Date('2026-01-02T03:04:05Z'))
  const text = JSON.stringify(plan)

  it('reads back as written, and names its nodes and masters', () => {
    assert.deepEqual(parseCreatePlan(text, 'c.json'), plan)
    assert.deepEqual(
      planNodes(plan).map((node) => node.address),
      PORTS.map((port) => addressOf(port)),
    )
    assert.deepEqual(
      plannedMasters(plan).map(({address, replicas}) => [address, replicas.length]),
      layout.masters.map((master) => [master.address, 1]),
    )
  })

  it('is refused with the reason when it is damaged or of another kind', () => {
    const damaged = (change: Record<string, unknown>) => JSON.stringify({...plan, ...change})
    const refusals: Array<[string, RegExp]> = [
      ['{', /c\.json is not a slotctl create plan: /],
      [damaged({kind: 'reshard'}), /its kind is reshard/],
      [
        damaged({steps: [...plan.steps, {action: 'meet', node: '127.0.0.1:7000', peer: {ip: 'x'}}]}),
        /not a create step/,
      ],
      [damaged({steps: [{action: 'set-config-epoch', epoch: 0, node: '127.0.0.1:7000'}]}), /not a create step/],
      [damaged({steps: [{action: 'add-slots', node: 'nowhere', slots: []}]}), /not a create step/],
      [damaged({steps: plan.steps.filter((step) => step.action !== 'wait-joined')}), /no wait-joined step/],
    ]
    for (const [input, why] of refusals) {
      assert.throws(
        () => parseCreatePlan(input, 'c.json'),
        (error: Error & {code?: string}) => {
          assert.match(error.message, why)
          assert.equal(error.code, 'BAD_PLAN')
          return true
        },
      )
    }
  })

  it('still fits fresh nodes; not a node replaced, or one that is no longer empty', () => {
    const fresh = PORTS.map((port) => reading(port, [freshLine(port)]))
    assert.deepEqual(createPlanChanges(plan, fresh), [])
    const [first, , ...rest] = fresh
    const replaced = {...first!, self: {...first!.self, id: 'b'.repeat(40)}}
    const busy = reading(PORTS[1]!, [freshLine(PORTS[1]!)], {keys: 2})
    assert.deepEqual(createPlanChanges(plan, [replaced, busy, ...rest]), [
      `127.0.0.1:7000 is now node bbbbbbbb, not ${idOf(7000).slice(0, 8)}`,
      '127.0.0.1:7001 holds 2 keys',
    ])
  })
})
