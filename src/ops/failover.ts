/**
 * `failover`: promote a replica with CLUSTER FAILOVER and wait until every reachable node sees the roles
 * swapped, so that the command ends with the cluster already serving from the new master.
 */
import {describeNode} from '../cluster/checks.js'
import {UsageError} from '../cluster/errors.js'
import {isFailed, type NodeLine} from '../cluster/nodes.js'
import {type ClusterSnapshot, type NodeReading, replicasOf} from '../cluster/snapshot.js'
import type {NodePool} from '../redis/connection.js'
import {addressOf, readCluster} from '../redis/discover.js'
import {type Condition, waitUntil} from './converge.js'
import {send} from './nodes.js'

/** Coordinated with the master (default), without it (force), or without the other masters' votes (takeover). */
export type FailoverMode = 'default' | 'force' | 'takeover'

export type PreparedFailover = {
  readonly master: NodeLine
  /** The master answers and is not failed: it can take part in a coordinated failover. */
  readonly masterAlive: boolean
  readonly replica: NodeReading
  readonly snapshot: ClusterSnapshot
}

/** Reads the cluster from the replica; refuses a node that is not a replica, and a default failover of a dead master. */
export async function prepareFailover(pool: NodePool, address: string, mode: FailoverMode): Promise<PreparedFailover> {
  const snapshot = await readCluster(pool, address)
  const replica = snapshot.nodes[0]!
  const master = replica.view.find((line) => line.id === replica.self.masterId)
  if (replica.self.role !== 'replica' || !master) {
    const replicas = replicasOf(snapshot, replica.self.id).map((node) => node.address)
    throw new UsageError(`REPLICA_ADDR ${address} is a master: failover promotes a replica`, {
      code: 'NOT_A_REPLICA',
      suggestions: [
        replicas.length > 0
          ? `Name one of its replicas: ${replicas.join(', ')}`
          : 'It has no replica: add one with slotctl add-node NEW ADDR --replica',
      ],
    })
  }

  const masterAlive = snapshot.nodes.some((node) => node.self.id === master.id) && !isFailed(master)
  if (mode === 'default' && !masterAlive) {
    throw new UsageError(`the master of ${address}, ${addressOf(master)}, is down: a coordinated failover needs it`, {
      code: 'MASTER_DOWN',
      suggestions: ['Pass --force (the other masters still vote), or --takeover when most masters are down too'],
    })
  }

  return {master, masterAlive, replica, snapshot}
}

/** Sends CLUSTER FAILOVER and waits until every reachable node sees the replica as the master. */
export async function executeFailover(
  pool: NodePool,
  {master, replica, snapshot}: PreparedFailover,
  {mode, timeoutMs}: {mode: FailoverMode; timeoutMs: number},
): Promise<void> {
  await send(pool, replica.address, 'CLUSTER', 'FAILOVER', ...(mode === 'default' ? [] : [mode.toUpperCase()]))
  const addresses = snapshot.nodes.map((node) => node.address)
  await waitUntil(pool, addresses, rolesSwapped(replica, master), {timeoutMs})
}

function rolesSwapped(replica: NodeReading, master: NodeLine): Condition {
  const name = describeNode({address: replica.address, id: replica.self.id})
  return {
    laggards: (readings) =>
      readings.flatMap((reading) => {
        const promoted = reading.view.find((line) => line.id === replica.self.id)
        const demoted = reading.view.find((line) => line.id === master.id)
        const behind =
          promoted?.role !== 'master' || (demoted && !isFailed(demoted) && demoted.masterId !== replica.self.id)
        return behind ? [`${reading.address} does not see the swap yet`] : []
      }),
    what: `every node sees ${name} as the master`,
  }
}
