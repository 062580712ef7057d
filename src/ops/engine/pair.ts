import type {Redis} from 'ioredis'

import type {MigrationSettings} from '../../cluster/move-plan.js'
import {OperationError} from '../../cluster/errors.js'

/** A node the engine talks to: its id and where clients (and MIGRATE) reach it. */
export type Endpoint = {readonly address: string; readonly host: string; readonly id: string; readonly port: number}

/** Everything one (source, target) move needs: both nodes, their connections and the run's settings. */
export type Pair = {
  /** `AUTH pw` or `AUTH2 user pw` for MIGRATE, or nothing. Never logged or shown. */
  readonly auth: readonly string[]
  readonly onKeys: (count: number) => void
  readonly settings: MigrationSettings
  readonly signal: AbortSignal
  readonly source: Endpoint
  readonly sourceConnection: Redis
  readonly target: Endpoint
  readonly targetConnection: Redis
}

export const shortName = (node: Endpoint): string => `${node.address} (${node.id.slice(0, 8)})`

/** Ctrl-C (or another move failing) stopped the run after its current batch; `apply --resume` continues. */
export class MoveInterrupted extends OperationError {
  constructor() {
    super('interrupted: stopped after the current batch', {code: 'INTERRUPTED'})
    this.name = 'MoveInterrupted'
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new MoveInterrupted()
}
