/**
 * Failure detection with Redis' rules, simplified: a node not heard from for node-timeout is PFAIL (`fail?`);
 * a PFAIL node that a majority of slot-owning masters also report as failing (through gossip) becomes FAIL,
 * which is announced to everyone. Hearing from the node again clears PFAIL, and FAIL as clearNodeFailureIfNeeded
 * does: at once for a replica or a master without slots, but for a master still serving slots only after
 * 2 x node-timeout in FAIL (time for a replica to take them over). Time is passed in, so the rules are testable
 * without a clock.
 */
import type {ClusterNode, ClusterState} from './state.js'

export class FailureDetector {
  /** Who reported which node as failing, and when (failure reports expire after 2 x node-timeout). */
  private readonly reports = new Map<string, Map<string, number>>()
  /** When each node was last heard from (any bus message). */
  private readonly lastHeard = new Map<string, number>()
  /** When each FAIL node was flagged (fail_time). */
  private readonly failedAt = new Map<string, number>()

  constructor(
    private readonly state: ClusterState,
    private readonly nodeTimeoutMs: () => number,
  ) {}

  heardFrom(node: ClusterNode, now: number): void {
    this.lastHeard.set(node.id, now)
    if (node.pfail) {
      node.pfail = false
      this.state.changed()
    }

    if (node.fail && this.mayClearFail(node, now)) {
      node.fail = false
      this.reports.delete(node.id)
      this.failedAt.delete(node.id)
      this.state.changed()
    }
  }

  /** clearNodeFailureIfNeeded (CLUSTER_FAIL_UNDO_TIME_MULT = 2). */
  private mayClearFail(node: ClusterNode, now: number): boolean {
    if (node.role === 'slave' || this.state.slotsOf(node).length === 0) return true
    return now - (this.failedAt.get(node.id) ?? now) > 2 * this.nodeTimeoutMs()
  }

  /** A master's gossip says whether it sees `node` as failing. */
  gossip(reporter: ClusterNode, node: ClusterNode, failing: boolean, now: number): void {
    if (reporter.role !== 'master' || node === this.state.myself) return
    let reporters = this.reports.get(node.id)
    if (failing) {
      if (!reporters) {
        reporters = new Map()
        this.reports.set(node.id, reporters)
      }

      reporters.set(reporter.id, now)
    } else reporters?.delete(reporter.id)
  }

  reportCount(node: ClusterNode, now: number): number {
    const reporters = this.reports.get(node.id)
    if (!reporters) return 0
    for (const [id, at] of reporters) if (now - at > 2 * this.nodeTimeoutMs()) reporters.delete(id)
    return reporters.size
  }

  /** Runs on the bus timer; returns the nodes that just became FAIL, for the bus to announce. */
  check(now: number): ClusterNode[] {
    const failed: ClusterNode[] = []
    const timeout = this.nodeTimeoutMs()
    for (const node of this.state.nodes.values()) {
      if (node === this.state.myself || node.handshake) continue
      const heard = this.lastHeard.get(node.id) ?? now
      this.lastHeard.set(node.id, heard)
      if (!node.pfail && !node.fail && now - heard > timeout) {
        node.pfail = true
        this.state.changed()
      }

      if (node.pfail && this.hasQuorum(node, now)) {
        // As in Redis, FAIL replaces PFAIL.
        this.flagFailed(node, now)
        failed.push(node)
      }
    }

    return failed
  }

  private hasQuorum(node: ClusterNode, now: number): boolean {
    const needed = Math.floor(this.state.size / 2) + 1
    const myself = this.state.myself
    const mine = myself.role === 'master' ? 1 : 0
    return this.reportCount(node, now) + mine >= needed
  }

  /** Another node announced FAIL. */
  markFailed(node: ClusterNode, now: number): void {
    if (node === this.state.myself || node.fail) return
    this.flagFailed(node, now)
  }

  private flagFailed(node: ClusterNode, now: number): void {
    node.pfail = false
    node.fail = true
    this.failedAt.set(node.id, now)
    this.state.changed()
  }

  forget(node: ClusterNode): void {
    this.reports.delete(node.id)
    this.lastHeard.delete(node.id)
    this.failedAt.delete(node.id)
  }
}
