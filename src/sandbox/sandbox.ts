/**
 * Local clusters for people and tests: `up` starts nodes and creates the cluster through the same code as
 * `slotctl create`; the other operations act only on the processes recorded in the sandbox's state file.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {checkCreateShape} from '../cluster/create-layout.js'
import {OperationError, SlotctlError, UsageError} from '../cluster/errors.js'
import {formatRanges} from '../cluster/slots.js'
import type {NodeReading} from '../cluster/snapshot.js'
import {allOf, clusterStateOk, readNodes, replicasInSync, slotOwnersAgree, waitUntil} from '../ops/converge.js'
import {executeCreate, prepareCreate} from '../ops/create.js'
import type {NodePool} from '../redis/connection.js'
import {embeddedEngine} from './embedded.js'
import type {EngineName, NodeSpec, SandboxEngine} from './engine.js'
import {isAlive, killProcess, listedProcesses, portIsFree, sleep, stopProcess} from './processes.js'
import {redisServerEngine, valkeyServerEngine} from './server-process.js'
import {readState, requireState, type SandboxNode, type SandboxState, statePath, withNode, writeState} from './state.js'

export const SANDBOX_HOST = '127.0.0.1'
/** How long a node may take to save its keys and exit after SIGTERM before it is killed. */
const SHUTDOWN_GRACE_MS = 30_000

const engines: Record<EngineName, SandboxEngine> = {
  embedded: embeddedEngine,
  'redis-server': redisServerEngine,
  'valkey-server': valkeyServerEngine,
}

export const addressOfNode = (node: {host: string; port: number}): string => `${node.host}:${node.port}`

export type UpOptions = {
  readonly dir: string
  readonly engine: EngineName
  /** Remove a sandbox already in `dir` and start an empty one, instead of starting the stopped one again. */
  readonly fresh: boolean
  readonly masters: number
  readonly nodeTimeoutMs: number
  readonly port: number
  readonly replicas: number
  /** Limit for each wait of the create. */
  readonly timeoutMs: number
}

/** What a node is, as it says itself: a master with its slots, or a replica with its master's address. */
export type NodeRole = {master: string; role: 'replica'} | {role: 'master'; slots: string}

export type UpResult = {
  /** Every node with its role once the cluster has settled. */
  readonly nodes: Array<NodeRole & {address: string; pid: null | number; port: number}>
  /** True when an existing (stopped) sandbox was started again from its files, keys included. */
  readonly resumed: boolean
  readonly state: SandboxState
}

/**
 * Starts the sandbox in `options.dir`: the stopped one found there, from its files (the same nodes, slots and
 * keys), or else a new cluster, created through the same code as `slotctl create`. With `fresh`, a sandbox found
 * there is removed first.
 */
export async function sandboxUp(pool: NodePool, options: UpOptions): Promise<UpResult> {
  const existing = readState(options.dir)
  if (existing && options.fresh) await removeSandbox(options.dir, existing)
  else if (existing) return resumeSandbox(pool, options, existing)
  return createSandbox(pool, options)
}

/** New nodes made a cluster; on any failure stops what it started and removes its files. */
async function createSandbox(pool: NodePool, options: UpOptions): Promise<UpResult> {
  const count = options.masters * (options.replicas + 1)
  checkCreateShape(count, options.replicas)
  const engine = engines[options.engine]
  engine.checkAvailable()
  const specs = Array.from({length: count}, (_, i) => specFor(options, options.port + i))
  await refuseBusyPorts(specs)
  let state: SandboxState = {
    createdAt: new Date().toISOString(),
    engine: options.engine,
    masters: options.masters,
    nodes: [],
    replicas: options.replicas,
  }
  try {
    for (const spec of specs) {
      mkdirSync(spec.dir, {recursive: true})
      state = {...state, nodes: [...state.nodes, {...spec, pid: engine.start(spec)}]}
      writeState(options.dir, state)
    }

    await Promise.all(state.nodes.map((node) => waitUntilServing(pool, node)))
    const addresses = state.nodes.map((node) => addressOfNode(node))
    const prepared = await prepareCreate(pool, addresses, options.replicas)
    if (prepared.state === 'ready') await executeCreate(pool, prepared.plan, {timeoutMs: options.timeoutMs})
    return {nodes: await settledRoles(pool, state, options.timeoutMs), resumed: false, state}
  } catch (error) {
    await removeSandbox(options.dir, state).catch((cleanup: unknown) => {
      // The failure's own cause stays the error; a node that would not stop is told beside it.
      if (error instanceof SlotctlError && cleanup instanceof Error) error.suggestions.push(cleanup.message)
    })
    throw error
  }
}

/** Starts the stopped nodes of an existing sandbox from their files; refuses when none is stopped. */
async function resumeSandbox(pool: NodePool, options: UpOptions, existing: SandboxState): Promise<UpResult> {
  const engine = engines[existing.engine]
  const stopped = existing.nodes.filter((node) => !running(engine, node))
  if (stopped.length === 0) throw sandboxExists(options.dir, existing)
  engine.checkAvailable()
  await refuseBusyPorts(stopped)
  let state = existing
  for (const node of stopped) {
    state = withNode(state, node.port, engine.start(node))
    writeState(options.dir, state)
  }

  await Promise.all(state.nodes.map((node) => waitUntilServing(pool, node)))
  return {nodes: await settledRoles(pool, state, options.timeoutMs), resumed: true, state}
}

/**
 * Waits until the cluster is whole (every slot served, one owner everywhere) and every replica has synced (a
 * replica that has not refuses to fail over, so a crash drill right after `up` would fail), then reads roles.
 */
async function settledRoles(pool: NodePool, state: SandboxState, timeoutMs: number): Promise<UpResult['nodes']> {
  const addresses = state.nodes.map((node) => addressOfNode(node))
  const settled = allOf(clusterStateOk, slotOwnersAgree(), replicasInSync)
  const readings = await waitUntil(pool, addresses, settled, {timeoutMs})
  return state.nodes.flatMap((node) => {
    const reading = readings.find((candidate) => candidate.address === addressOfNode(node))
    return reading ? [{address: addressOfNode(node), pid: node.pid, port: node.port, ...roleOf(reading)}] : []
  })
}

export function roleOf({self, view}: NodeReading): NodeRole {
  if (self.role === 'master') return {role: 'master', slots: formatRanges(self.slots)}
  const master = view.find((line) => line.id === self.masterId)
  return {master: master ? `${master.host}:${master.port}` : '?', role: 'replica'}
}

function specFor(options: UpOptions, port: number): NodeSpec {
  // Absolute: each node process runs in its own directory, where a relative path would point elsewhere.
  const dir = resolve(options.dir, `node-${port}`)
  return {dir, host: SANDBOX_HOST, nodeTimeoutMs: options.nodeTimeoutMs, port}
}

function sandboxExists(dir: string, state: SandboxState): OperationError {
  const ports = state.nodes.map((node) => node.port).join(', ')
  return new OperationError(`a sandbox is already up in ${dir} (ports ${ports})`, {
    code: 'SANDBOX_EXISTS',
    suggestions: [
      `See it with: slotctl sandbox status --dir ${dir}`,
      `Start an empty one instead with: slotctl sandbox up --fresh --dir ${dir}`,
    ],
  })
}

async function refuseBusyPorts(specs: readonly NodeSpec[]): Promise<void> {
  for (const {host, port} of specs) {
    for (const candidate of [port, port + 10_000]) {
      // eslint-disable-next-line no-await-in-loop
      if (await portIsFree(host, candidate)) continue
      const role = candidate === port ? 'port' : `cluster bus port (${port} + 10000)`
      throw new UsageError(`${host}:${candidate} is in use: node ${port} needs it as its ${role}`, {
        code: 'PORT_IN_USE',
        suggestions: [
          `Pick other ports with --port (the sandbox uses ${specs.length} in a row from there, and each + 10000)`,
        ],
      })
    }
  }
}

/** Polls the node with PING until it answers; fails early, with its log, when its process has died. */
async function waitUntilServing(pool: NodePool, node: SandboxNode, timeoutMs = 15_000): Promise<void> {
  const address = addressOfNode(node)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    const answered = await pool.call(address, 'PING').then(
      () => true,
      () => false,
    )
    if (answered) return
    if (node.pid === null || !isAlive(node.pid) || Date.now() > deadline) {
      throw new OperationError(`node ${address} did not start: ${logTail(node.dir)}`, {
        code: 'NODE_START_FAILED',
        suggestions: [`Its log: ${join(node.dir, 'node.log')}`],
      })
    }

    // eslint-disable-next-line no-await-in-loop
    await sleep(50)
  }
}

function logTail(dir: string): string {
  const file = join(dir, 'node.log')
  const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-3) : []
  return lines.length > 0 ? lines.join(' | ') : 'no output'
}

const running = (engine: SandboxEngine, node: SandboxNode): boolean =>
  node.pid !== null && isAlive(node.pid) && engine.runs(node.pid, node)

/**
 * Stops every node the sandbox started, cleanly (SIGTERM: each saves its keys), keeping their files for the next
 * `up`, or removing them and the state file with `purge`. Returns the ports that were still running.
 */
export async function sandboxDown(dir: string, {purge = false} = {}): Promise<number[]> {
  const state = requireState(dir)
  if (purge) return removeSandbox(dir, state)
  const live = await stopAll(state)
  writeState(dir, {...state, nodes: state.nodes.map((node) => ({...node, pid: null}))})
  return live
}

async function stopAll(state: SandboxState): Promise<number[]> {
  const engine = engines[state.engine]
  const live = state.nodes.filter((node) => running(engine, node))
  await Promise.all(live.map((node) => stopProcess(node.pid ?? 0, SHUTDOWN_GRACE_MS)))
  return live.map((node) => node.port)
}

/** Stops the nodes, then removes their files and the state file; refuses, keeping them, while a node still runs. */
async function removeSandbox(dir: string, state: SandboxState): Promise<number[]> {
  const stopped = await stopAll(state)
  const stillRunning = await nodesStillRunning(state)
  if (stillRunning.length > 0) throw stillRunningError(dir, stillRunning)
  for (const node of state.nodes) rmSync(node.dir, {force: true, recursive: true})
  rmSync(statePath(dir), {force: true})
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir)
  return stopped
}

type RunningNode = SandboxNode & {
  /** Of the process that runs the node, when known: not always the recorded one. */
  readonly runningPid: number | undefined
}

/**
 * The nodes that run after stopAll: a recorded process that did not exit, or a node running under a pid other
 * than the recorded one (restarted by hand, or its recorded pid reused), which stopAll leaves alone.
 */
async function nodesStillRunning(state: SandboxState): Promise<RunningNode[]> {
  const engine = engines[state.engine]
  const busy = await Promise.all(
    state.nodes.map(async (node) => running(engine, node) || !(await portIsFree(node.host, node.port))),
  )
  const stillRunning = state.nodes.filter((_, i) => busy[i])
  // Read once (all of /proc), and only when some node is still running.
  const processes = stillRunning.length > 0 ? listedProcesses() : []
  return stillRunning.map((node) => ({...node, runningPid: runningPidOf(engine, node, processes)}))
}

/** The recorded pid while it is still the node's; otherwise one of `processes` whose command line is the node's. */
function runningPidOf(engine: SandboxEngine, node: SandboxNode, processes: readonly number[]): number | undefined {
  if (node.pid !== null && running(engine, node)) return node.pid
  return processes.find((pid) => engine.runs(pid, node))
}

function stillRunningError(dir: string, nodes: readonly RunningNode[]): OperationError {
  const named = nodes.map((node) => `${addressOfNode(node)} (pid ${node.runningPid ?? 'unknown'})`).join(', ')
  const howToStop = nodes
    .map((node) => (node.runningPid === undefined ? `lsof -i :${node.port} shows its pid` : `kill ${node.runningPid}`))
    .join('; ')
  const [subject, verb] = nodes.length === 1 ? ['node', 'is'] : ['nodes', 'are']
  return new OperationError(
    `kept the sandbox's files in ${dir}: ${subject} ${named} ${verb} still running and may write there`,
    {
      code: 'SANDBOX_NODE_RUNNING',
      suggestions: [`Stop ${nodes.length === 1 ? 'it' : 'them'} (${howToStop}), then run this command again`],
    },
  )
}

export type NodeStatus = {
  readonly address: string
  readonly clusterState?: string
  readonly pid: null | number
  readonly port: number
  readonly reading?: NodeReading
  readonly running: boolean
}

/** Each node: its process, and what it says about itself when it answers. */
export async function sandboxStatus(pool: NodePool, dir: string): Promise<{nodes: NodeStatus[]; state: SandboxState}> {
  const state = requireState(dir)
  const engine = engines[state.engine]
  const addresses = state.nodes.map((node) => addressOfNode(node))
  const readings = await readNodes(pool, addresses)
  const nodes = state.nodes.map((node, i) => {
    const result = readings[i]
    const reading = result && 'self' in result ? result : undefined
    return {
      address: addressOfNode(node),
      pid: node.pid,
      port: node.port,
      running: running(engine, node),
      ...(reading ? {clusterState: reading.clusterInfo.cluster_state ?? '?', reading} : {}),
    }
  })
  return {nodes, state}
}

function nodeOn(state: SandboxState, port: number, dir: string): SandboxNode {
  const node = state.nodes.find((candidate) => candidate.port === port)
  if (node) return node
  throw new UsageError(`the sandbox in ${dir} has no node on port ${port}`, {
    code: 'NO_SUCH_NODE',
    suggestions: [`Its ports: ${state.nodes.map((n) => n.port).join(', ')}`],
  })
}

/** Crashes one node (SIGKILL: no shutdown, no save), keeping its files. False when it was not running. */
export async function sandboxStopNode(dir: string, port: number): Promise<boolean> {
  const state = requireState(dir)
  const node = nodeOn(state, port, dir)
  const wasRunning = running(engines[state.engine], node)
  if (wasRunning && node.pid !== null) await killProcess(node.pid)

  writeState(dir, withNode(state, port, null))
  return wasRunning
}

/** Starts a stopped node again from its files (its nodes.conf brings it back into the cluster). False when it was running. */
export async function sandboxStartNode(pool: NodePool, dir: string, port: number): Promise<boolean> {
  const state = requireState(dir)
  const engine = engines[state.engine]
  const node = nodeOn(state, port, dir)
  if (running(engine, node)) return false
  const pid = engine.start(node)
  writeState(dir, withNode(state, port, pid))
  await waitUntilServing(pool, {...node, pid})
  return true
}
