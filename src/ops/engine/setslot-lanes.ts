import type {ConnectionSettings} from '../../redis/settings.js'
import {NodePool} from '../../redis/connection.js'
import {type Arg, pipelined} from './pipeline.js'

/**
 * Answers a master gives when it replicates SETSLOT to its replicas first (Valkey 8 and later) and they did
 * not all acknowledge in time (NOREPLICAS), or when the wait was cut short (UNBLOCKED). The master has then not
 * applied the change; slot state changes are idempotent, so sending it again is safe.
 */
const UNACKNOWLEDGED = /^(NOREPLICAS|UNBLOCKED)\b/
const RETRIES = 5
const RETRY_PAUSE_MS = 200

/** How many connections carry one node's SETSLOTs: one, or several where each call waits on replicas. */
export const LANES_WHEN_BLOCKING = 16

/**
 * Connections for CLUSTER SETSLOT, apart from the key moves. A node that blocks each SETSLOT until its
 * replicas acknowledge it (Valkey 8) answers one connection's calls one replication round trip after another,
 * so its slots are spread over several connections and their waits overlap; the others take one pipeline.
 * Never MULTI: a blocking SETSLOT inside a transaction crashes Valkey 8.0 (multi.c assertion), and topology
 * changes inside MULTI are refused by Valkey's coming Raft bus.
 */
export class SetslotLanes {
  private readonly pools: NodePool[]

  constructor(
    settings: ConnectionSettings,
    /** Connections for the node at `address` (1 or LANES_WHEN_BLOCKING). */
    private readonly lanesOf: (address: string) => number,
  ) {
    this.pools = Array.from({length: LANES_WHEN_BLOCKING}, () => new NodePool(settings))
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.close()))
  }

  /**
   * Sends each slot's commands, in order, on one connection to `address`; slots are spread over the node's
   * lanes. Returns each slot's first error (or undefined), after retrying unacknowledged changes.
   */
  async send(address: string, perSlot: ReadonlyArray<readonly Arg[][]>): Promise<Array<Error | undefined>> {
    if (perSlot.length === 0) return []
    const lanes = Math.max(1, Math.min(this.lanesOf(address), this.pools.length, perSlot.length))
    const errors: Array<Error | undefined> = Array.from({length: perSlot.length})
    await Promise.all(
      Array.from({length: lanes}, async (_, lane) => {
        const mine = perSlot.map((_, i) => i).filter((i) => i % lanes === lane)
        const connection = await this.pools[lane]!.connect(address)
        const commands = mine.flatMap((i) => perSlot[i]!.map((command) => ({command, slotIndex: i})))
        const outcomes = await pipelined(
          connection,
          commands.map(({command}) => command),
        )
        await Promise.all(
          outcomes.map(async (outcome, j) => {
            const {command, slotIndex} = commands[j]!
            const error = outcome.error && (await this.retryUnacknowledged(address, lane, command, outcome.error))
            errors[slotIndex] ??= error
          }),
        )
      }),
    )
    return errors
  }

  /** Sends an unacknowledged change again, a few times; any other error is returned as it is. */
  private async retryUnacknowledged(address: string, lane: number, command: readonly Arg[], first: Error) {
    let error: Error | undefined = first
    for (let attempt = 1; error && UNACKNOWLEDGED.test(error.message) && attempt <= RETRIES; attempt++) {
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt))
      // eslint-disable-next-line no-await-in-loop
      const [outcome] = await pipelined(await this.pools[lane]!.connect(address), [[...command]])
      error = outcome?.error
    }

    return error
  }
}
