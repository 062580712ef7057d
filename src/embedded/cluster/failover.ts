/**
 * Automatic failover, simplified: a replica whose master is FAIL (a majority of masters agreed on that) and
 * still owns slots takes its place after Redis' delay (500 ms, up to 500 ms of jitter, and 1 s per sibling
 * replica with more data), by a takeover. There is no vote: on loopback a replica cannot be the lone side of
 * a partition, and if two replicas race, the epoch rules leave one owner.
 */
import type {ClusterNode, ClusterState} from './state.js'

const BASE_DELAY_MS = 500
const JITTER_MS = 500
const RANK_DELAY_MS = 1000

export class AutomaticFailover {
  private startAt: number | undefined

  constructor(private readonly state: ClusterState) {}

  /** Runs on the bus timer; returns true when this replica just took over its master. */
  tick(now: number): boolean {
    const {myself} = this.state
    const master = myself.role === 'slave' ? this.state.masterOf(myself) : undefined
    if (!master?.fail || this.state.slotsOf(master).length === 0) {
      this.startAt = undefined
      return false
    }

    this.startAt ??= now + BASE_DELAY_MS + Math.random() * JITTER_MS + this.rank(master) * RANK_DELAY_MS
    if (now < this.startAt) return false
    this.startAt = undefined
    this.state.takeOverMaster()
    return true
  }

  /** Sibling replicas with more replicated data go first. */
  private rank(master: ClusterNode): number {
    const {myself} = this.state
    return this.state
      .replicasOf(master)
      .filter((replica) => replica !== myself && replica.replicationOffset > myself.replicationOffset).length
  }
}
