/** sandbox.json: what `sandbox up` started, so that the other sandbox commands touch only that. */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {OperationError} from '../cluster/errors.js'
import type {EngineName, NodeSpec} from './engine.js'

export type SandboxNode = NodeSpec & {
  /** The running process, or null once stopped. */
  readonly pid: null | number
}

export type SandboxState = {
  readonly createdAt: string
  readonly engine: EngineName
  readonly masters: number
  readonly nodes: readonly SandboxNode[]
  readonly replicas: number
}

export const STATE_FILE = 'sandbox.json'

export const statePath = (dir: string): string => join(dir, STATE_FILE)

export function readState(dir: string): SandboxState | undefined {
  const file = statePath(dir)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SandboxState
  } catch (error) {
    throw new OperationError(`${file} is not a sandbox state file: ${(error as Error).message}`, {
      code: 'BAD_SANDBOX_STATE',
      suggestions: [`Stop its nodes by hand and remove ${dir}`],
    })
  }
}

/** The state, or an error saying there is no sandbox in `dir`. */
export function requireState(dir: string): SandboxState {
  const state = readState(dir)
  if (state) return state
  throw new OperationError(`no sandbox in ${dir}`, {
    code: 'NO_SANDBOX',
    suggestions: ['Start one with: slotctl sandbox up', 'Or point at another with --dir'],
  })
}

export function writeState(dir: string, state: SandboxState): void {
  writeFileSync(statePath(dir), `${JSON.stringify(state, undefined, 2)}\n`)
}

export function withNode(state: SandboxState, port: number, pid: null | number): SandboxState {
  return {...state, nodes: state.nodes.map((node) => (node.port === port ? {...node, pid} : node))}
}
