/**
 * `create` against live nodes: read and validate them, plan, and run the plan with bounded waits.
 * The planning itself is pure (cluster/create-layout.ts, cluster/create-plan.ts).
 */
import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'

import {parseAddress} from '../cluster/address.js'
import {type CreateLayout, planLayout} from '../cluster/create-layout.js'
import {
  buildCreatePlan,
  type CreatePlan,
  createPlanChanges,
  type CreateStep,
  type CreateTarget,
  diagnoseNodes,
  type NodeProblem,
  planNodes,
} from '../cluster/create-plan.js'
import {ConnectionError, OperationError, SlotctlError, UsageError} from '../cluster/errors.js'
import {fingerprintOf} from '../cluster/plan.js'
import type {NodeReading} from '../cluster/snapshot.js'
import {describeConnectError} from '../redis/connect-error.js'
import type {NodePool} from '../redis/connection.js'
import {readNode} from '../redis/discover.js'
import {
  allOf,
  clusterStateOk,
  everyNodeKnowsEveryOther,
  replicasSeenEverywhere,
  slotOwnersAgree,
  waitUntil,
} from './converge.js'

export type PreparedCreate =
  /** The nodes already form exactly the planned cluster: nothing to do. */
  | {readonly layout: CreateLayout; readonly state: 'created'}
  | {readonly layout: CreateLayout; readonly plan: CreatePlan; readonly state: 'ready'}

/**
 * Reads every node and plans the cluster. Throws before any change when a node is unreachable (exit 3), not
 * in cluster mode or given twice (exit 2), or not empty (exit 1, naming each node and why).
 */
export async function prepareCreate(
  pool: NodePool,
  addresses: readonly string[],
  replicas: number,
): Promise<PreparedCreate> {
  const readings = await readAll(pool, addresses)
  refuseSameNodeTwice(readings)
  const targets = await Promise.all(readings.map((reading) => targetOf(pool, reading)))
  const layout = planLayout(
    targets.map((target) => ({address: target.address, host: target.meet.ip})),
    replicas,
  )
  const diagnosis = diagnoseNodes(layout, readings)
  if (diagnosis.state === 'created') return {layout, state: 'created'}
  const [seed = ''] = addresses
  if ('problems' in diagnosis) throw refusal(diagnosis.state, diagnosis.problems, seed)
  const snapshot = {nodes: readings, seed, unreachable: []}
  return {layout, plan: buildCreatePlan(layout, targets, fingerprintOf(snapshot), new Date()), state: 'ready'}
}

/**
 * Reads the nodes of a saved create plan and says why the plan no longer fits them (a node replaced or not
 * empty any more); empty when it still does. Throws like prepareCreate when a node cannot be read.
 */
export async function savedCreatePlanChanges(pool: NodePool, plan: CreatePlan): Promise<string[]> {
  const readings = await readAll(
    pool,
    planNodes(plan).map((node) => node.address),
  )
  return createPlanChanges(plan, readings)
}

async function readAll(pool: NodePool, addresses: readonly string[]): Promise<NodeReading[]> {
  const results = await Promise.allSettled(
    addresses.map(async (address) => {
      try {
        return await readNode(pool, address)
      } catch (error) {
        throw error instanceof SlotctlError ? error : describeConnectError(address, error, pool.settings)
      }
    }),
  )
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as SlotctlError] : []))
  // An unreachable node outranks a misconfigured one: the exit code says "cannot connect" first.
  const first = failures.find((error) => error instanceof ConnectionError) ?? failures[0]
  if (first) throw first
  return results.map((result) => (result as PromiseFulfilledResult<NodeReading>).value)
}

function refuseSameNodeTwice(readings: readonly NodeReading[]): void {
  const seen = new Map<string, string>()
  for (const {address, self} of readings) {
    const earlier = seen.get(self.id)
    if (earlier !== undefined) {
      throw new UsageError(`${earlier} and ${address} are the same node (id ${self.id.slice(0, 8)})`, {
        code: 'DUPLICATE_NODE',
        suggestions: ['Give each node once'],
      })
    }

    seen.set(self.id, address)
  }
}

/**
 * How the other nodes will reach this one: the address it announces, or else the IP slotctl reached it on
 * (CLUSTER MEET takes no host names, and a name may resolve to an address the node does not listen on).
 * The same IP is the host that anti-affinity compares.
 */
async function targetOf(pool: NodePool, reading: NodeReading): Promise<CreateTarget> {
  const {host, port} = parseAddress(reading.address)
  const announced = reading.self.host
  const reached = (await pool.connect(reading.address)).stream.remoteAddress
  const ip = announced !== '' ? announced : isIP(host) ? host : (reached ?? (await lookup(host)).address)
  return {address: reading.address, id: reading.self.id, meet: {busPort: reading.self.busPort, ip, port}}
}

function refusal(state: 'differs' | 'not-empty', problems: readonly NodeProblem[], seed: string): OperationError {
  const lines = problems.map(({address, reason}) => `\n  ${address} ${reason}`).join('')
  if (state === 'not-empty') {
    const nodes = new Set(problems.map((p) => p.address))
    return new OperationError(
      `cannot create: ${nodes.size} of the nodes ${nodes.size === 1 ? 'is' : 'are'} not empty:${lines}`,
      {
        code: 'NODE_NOT_EMPTY',
        suggestions: [
          'Give empty nodes (no keys, no slots, knowing no other node), or empty these: FLUSHALL then CLUSTER RESET HARD on each',
        ],
      },
    )
  }

  return new OperationError(`cannot create: the nodes already form a cluster, but not the planned one:${lines}`, {
    code: 'CLUSTER_DIFFERS',
    suggestions: [`Look at it with: slotctl check ${seed}`, 'If it is what you want, there is nothing to create'],
  })
}

/** How long each of create's waits for the nodes to agree may take, unless told otherwise. */
export const DEFAULT_CREATE_TIMEOUT_MS = 60_000

export type ExecuteOptions = {
  /** Told when each phase of the plan has finished, with how long it took. */
  readonly onPhase?: (phase: string, elapsedMs: number) => void
  /** Limit for each wait for the nodes to agree. */
  readonly timeoutMs: number
}

/** Runs a create plan: consecutive steps of the same action run at the same time, waits poll within a limit. */
export async function executeCreate(pool: NodePool, plan: CreatePlan, options: ExecuteOptions): Promise<void> {
  for (const {action, steps} of phasesOf(plan.steps)) {
    const started = Date.now()
    await Promise.all(steps.map((step) => runStep(pool, step, options.timeoutMs)))
    options.onPhase?.(describePhase(action, steps.length), Date.now() - started)
  }
}

type Phase = {readonly action: CreateStep['action']; readonly steps: CreateStep[]}

function phasesOf(steps: readonly CreateStep[]): Phase[] {
  const phases: Phase[] = []
  for (const step of steps) {
    const last = phases.at(-1)
    if (last?.action === step.action) last.steps.push(step)
    else phases.push({action: step.action, steps: [step]})
  }

  return phases
}

function describePhase(action: CreateStep['action'], count: number): string {
  switch (action) {
    case 'add-slots': {
      return `slots assigned to ${count} masters`
    }

    case 'meet': {
      return `${count} nodes sent CLUSTER MEET`
    }

    case 'replicate': {
      return `${count} replicas attached`
    }

    case 'set-config-epoch': {
      return `distinct config epochs set on ${count} nodes`
    }

    case 'wait-joined': {
      return 'all nodes know each other, agree about slot owners and report cluster_state:ok'
    }

    case 'wait-replicas': {
      return 'every node sees every replica replicating its master'
    }
  }
}

async function runStep(pool: NodePool, step: CreateStep, timeoutMs: number): Promise<void> {
  switch (step.action) {
    case 'add-slots': {
      return addSlots(pool, step.node, step.slots)
    }

    case 'meet': {
      const {busPort, ip, port} = step.peer
      return send(pool, step.node, 'MEET', ip, port, ...(busPort === port + 10_000 ? [] : [busPort]))
    }

    case 'replicate': {
      return send(pool, step.node, 'REPLICATE', step.master.id)
    }

    case 'set-config-epoch': {
      return send(pool, step.node, 'SET-CONFIG-EPOCH', step.epoch)
    }

    case 'wait-joined': {
      const condition = allOf(everyNodeKnowsEveryOther(step.nodes), slotOwnersAgree(), clusterStateOk)
      await waitUntil(pool, addressesOf(step.nodes), condition, {timeoutMs})
      return
    }

    case 'wait-replicas': {
      const condition = allOf(replicasSeenEverywhere(step.replicas), clusterStateOk)
      await waitUntil(pool, addressesOf(step.nodes), condition, {timeoutMs})
    }
  }
}

const addressesOf = (nodes: readonly {address: string}[]) => nodes.map((node) => node.address)

/** ADDSLOTSRANGE (Redis 7); servers without it get the slots one by one with ADDSLOTS. */
async function addSlots(pool: NodePool, node: string, ranges: readonly {end: number; start: number}[]): Promise<void> {
  try {
    await pool.call(node, 'CLUSTER', 'ADDSLOTSRANGE', ...ranges.flatMap(({end, start}) => [start, end]))
  } catch (error) {
    if (!/unknown subcommand/i.test(String(error))) throw stepError(node, 'ADDSLOTSRANGE', error)
    const slots = ranges.flatMap(({end, start}) => Array.from({length: end - start + 1}, (_, i) => start + i))
    await send(pool, node, 'ADDSLOTS', ...slots)
  }
}

async function send(pool: NodePool, node: string, subcommand: string, ...args: Array<number | string>): Promise<void> {
  try {
    await pool.call(node, 'CLUSTER', subcommand, ...args)
  } catch (error) {
    throw stepError(node, subcommand, error)
  }
}

function stepError(node: string, subcommand: string, error: unknown): OperationError {
  if (error instanceof SlotctlError)
    return new OperationError(error.message, {code: error.code, suggestions: error.suggestions})
  const reason = error instanceof Error ? error.message : String(error)
  return new OperationError(`${node} refused CLUSTER ${subcommand}: ${reason}`, {
    code: 'STEP_FAILED',
    suggestions: [
      'The nodes are now partly configured: run the same create again to see how, or reset them (CLUSTER RESET HARD) and start over',
    ],
  })
}
