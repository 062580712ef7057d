import type {ConnectionSettings} from '../../redis/settings.js'
import {NodePool} from '../../redis/connection.js'
import {type Arg, pipelined} from './pipeline.js'

/**
 * SETSLOT outcomes that leave the change unapplied, so that it is sent again (slot state changes are idempotent,
 * so that is safe): a master that replicates SETSLOT to its replicas first (Valkey 8 and later) answers NOREPLICAS
 * when they did not all acknowledge in time, and UNBLOCKED when the wait was cut short because it turned into a
 * replica (it lost its last slot, told by us or by the target's gossip); it then closes that connection, and the
 * SETSLOTs queued behind on it are aborted unread. Sent again, they reach a master, or a replica that refuses
 * them ("only with primaries"), which the caller judges.
 */
const UNAPPLIED = /^(NOREPLICAS|UNBLOCKED)\b|aborted due to connection close|^Connection is closed/
const RETRIES = 5
const RETRY_PAUSE_MS = 200

/** How many connections carry the SETSLOTs of a node where each call waits on replicas. */
const LANES_WHEN_BLOCKING = 16

/**
 * Connections for CLUSTER SETSLOT, apart from the key moves. A node that blocks each SETSLOT until its
 * replicas acknowledge it (Valkey 8) answers one connection's calls one replication round trip after another,
 * so its slots are spread over several connections and their waits overlap; the others take one pipeline.
 * MULTI only where SETSLOT does not wait on replicas: a blocking SETSLOT inside a transaction crashes Valkey 8.0
 * (multi.c assertion), and topology changes inside MULTI are refused by Valkey's coming Raft bus.
 */
export class SetslotLanes {
  private readonly pools: NodePool[]

  constructor(
    settings: ConnectionSettings,
    /** Whether the node at `address` replicates each SETSLOT to its replicas before it applies it. */
    readonly replicatesFirst: (address: string) => boolean,
  ) {
    this.pools = Array.from({length: LANES_WHEN_BLOCKING}, () => new NodePool(settings))
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.close()))
  }

  /**
   * Sends each slot's commands, in order, on one connection to `address`; slots are spread over the node's
   * lanes. Returns each slot's first error (or undefined), after sending unapplied changes again.
   */
  async send(address: string, perSlot: ReadonlyArray<readonly Arg[][]>): Promise<Array<Error | undefined>> {
    if (perSlot.length === 0) return []
    const lanes = this.replicatesFirst(address) ? Math.min(LANES_WHEN_BLOCKING, perSlot.length) : 1
    const errors: Array<Error | undefined> = Array.from({length: perSlot.length})
    await Promise.all(
      Array.from({length: lanes}, async (_, lane) => {
        const mine = perSlot.map((_, i) => i).filter((i) => i % lanes === lane)
        const commands = mine.flatMap((i) => perSlot[i]!.map((command) => ({command, slotIndex: i})))
        // A lane that cannot connect fails its own slots, and the others still finish: a rejection here
        // would leave them running after the caller has given up.
        const outcomes = await this.pools[lane]!.connect(address).then(
          (connection) =>
            pipelined(
              connection,
              commands.map(({command}) => command),
            ),
          (error: Error) => commands.map(() => ({error})),
        )
        await Promise.all(
          outcomes.map(async (outcome, j) => {
            const {command, slotIndex} = commands[j]!
            const error = outcome.error && (await this.retryUnapplied(address, lane, command, outcome.error))
            errors[slotIndex] ??= error
          }),
        )
      }),
    )
    return errors
  }

  /**
   * Sends every slot's commands in one MULTI on the node's first lane, so that no other client's command runs
   * between them. Returns each slot's first error (or undefined). Refused where SETSLOT waits on replicas.
   */
  async atomically(address: string, perSlot: ReadonlyArray<readonly Arg[][]>): Promise<Array<Error | undefined>> {
    if (this.replicatesFirst(address)) throw new Error(`no SETSLOT in MULTI on ${address}: it waits on replicas`)
    if (perSlot.length === 0) return []
    const transaction = (await this.pools[0]!.connect(address)).multi()
    const owners = perSlot.flatMap((commands, slotIndex) =>
      commands.map(([name, ...args]) => {
        transaction.call(String(name), ...args)
        return slotIndex
      }),
    )
    const results = (await transaction.exec()) ?? []
    const errors: Array<Error | undefined> = Array.from({length: perSlot.length})
    for (const [j, [error]] of results.entries()) errors[owners[j]!] ??= error ?? undefined
    return errors
  }

  /** Sends an unapplied change again, a few times; any other error is returned as it is. */
  private async retryUnapplied(address: string, lane: number, command: readonly Arg[], first: Error) {
    let error: Error | undefined = first
    for (let attempt = 1; error && UNAPPLIED.test(error.message) && attempt <= RETRIES; attempt++) {
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt))
      try {
        // eslint-disable-next-line no-await-in-loop
        const [outcome] = await pipelined(await this.pools[lane]!.connect(address), [[...command]])
        error = outcome?.error
      } catch (connectError) {
        return connectError as Error
      }
    }

    return error
  }
}
