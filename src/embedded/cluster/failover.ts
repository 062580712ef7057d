/**
 * Replica promotion with Redis' rules (cluster_legacy.c: clusterHandleSlaveFailover, clusterSendFailoverAuthIfNeeded,
 * the manual failover state machine):
 * - a replica whose master is FAIL and serves slots, unless cluster-replica-no-failover is set or its link to the
 *   master has been down too long (cluster-replica-validity-factor), waits 500 ms, up to 500 ms of jitter and 1 s
 *   per sibling replica with more data (its rank), then bumps currentEpoch and asks every master for its vote;
 * - a master that serves slots votes once per epoch, only for a replica of a FAIL master (or of any master when
 *   the request is a manual failover's), not twice for the same master within 2 x node-timeout, and only if no
 *   slot the replica claims is owned with a newer configEpoch;
 * - with votes from a majority of the slot-serving masters, the replica takes the election's epoch as its
 *   configEpoch and its master's slots; the others learn it from its claims (state.applySlotClaims), the old
 *   master and the sibling replicas turning into its replicas;
 * - CLUSTER FAILOVER: the master pauses its client writes and tells its offset, the replica waits until it has
 *   applied that much, then runs the election at once (FORCE skips the wait, TAKEOVER skips the election too).
 * Time is passed in, so the rules are testable without a clock.
 */
import type {ClusterNode, ClusterState} from './state.js'

const BASE_DELAY_MS = 500
const JITTER_MS = 500
const RANK_DELAY_MS = 1000
/** repl-ping-replica-period: part of the data age a replica is allowed. */
const REPLICA_PING_PERIOD_MS = 10_000
/** CLUSTER_MF_TIMEOUT: a manual failover not done by then is abandoned. */
const MANUAL_FAILOVER_TIMEOUT_MS = 5000
/** CLUSTER_MF_PAUSE_MULT: how much longer than that the master holds writes at most. */
const MANUAL_FAILOVER_PAUSE_MULT = 2

/** What the election needs from the node around it: the bus to talk, its replication offset, its clients. */
export type FailoverHooks = {
  nodeTimeoutMs(): number
  /** cluster-replica-no-failover: this replica never starts an election of its own accord. */
  noAutomaticFailover(): boolean
  /** How long our replication link has been down (0 while up): how stale our data may be. */
  dataAgeMs(): number
  /** cluster-replica-validity-factor (0: any data age will do). */
  validityFactor(): number
  /** Our replication offset: applied from our master as a replica, produced as a master. */
  replicationOffset(): number
  /** Sends FAILOVER_AUTH_REQUEST to every node: we claim `slots` with `configEpoch`. */
  requestVotes(claim: {configEpoch: number; slots: readonly number[]}, forceAck: boolean): void
  /** Sends MFSTART to our master. */
  askMasterToPause(master: ClusterNode): void
  pauseWrites(ms: number): void
  unpauseWrites(): void
}

export type ManualFailoverMode = 'DEFAULT' | 'FORCE' | 'TAKEOVER'

export type VoteRequest = {currentEpoch: number; configEpoch: number; slots: readonly number[]; forceAck: boolean}

export class Failover {
  /** When the election starts (failover_auth_time); long ago before the first. */
  private authTime = Number.NEGATIVE_INFINITY
  private authSent = false
  private authCount = 0
  private authRank = 0
  private authEpoch = 0
  /** When each master last had one of its replicas voted for (voted_time). */
  private readonly votedAt = new Map<ClusterNode, number>()
  /** Manual failover: when it is abandoned (0: none under way). */
  private manualEnd = 0
  private manualCanStart = false
  /** The offset our master announced once it paused its writes (-1: not yet). */
  private masterPausedOffset = -1
  /** On a master: the replica taking over by manual failover, while writes are paused for it. */
  pausedFor: ClusterNode | undefined

  constructor(
    private readonly state: ClusterState,
    private readonly hooks: FailoverHooks,
  ) {}

  /** Runs on the bus timer. */
  tick(now: number): void {
    if (this.manualEnd !== 0 && (now > this.manualEnd || this.pausedFor?.role === 'master' || this.lostMaster()))
      this.resetManual()
    if (this.pausedFor && !this.state.myself.isMaster) this.resetManual()
    this.checkManualOffset()
    this.runElection(now)
  }

  /** Whether our messages carry the PAUSED flag: a master holding writes for a manual failover. */
  get paused(): boolean {
    return this.pausedFor !== undefined
  }

  /** Whether our vote requests carry FORCEACK: a manual failover's election. */
  get forceAck(): boolean {
    return this.manualEnd !== 0
  }

  /** CLUSTER FAILOVER on this replica (the command checked the preconditions). */
  startManual(mode: ManualFailoverMode, now: number): void {
    const master = this.state.masterOf(this.state.myself)
    if (!master) return
    this.resetManual()
    this.manualEnd = now + MANUAL_FAILOVER_TIMEOUT_MS
    if (mode === 'TAKEOVER') {
      // No vote: an epoch of our own, unique and the highest, makes our claim win everywhere.
      this.state.bumpConfigEpoch()
      this.replaceMaster(this.state.myself.configEpoch)
    } else if (mode === 'FORCE') this.manualCanStart = true
    else this.hooks.askMasterToPause(master)
  }

  /** MFSTART from `replica`: hold client writes and tell it our offset (in every message while paused). */
  masterPauseRequested(replica: ClusterNode, now: number): void {
    const {myself} = this.state
    if (!myself.isMaster || replica.masterId !== myself.id) return
    this.resetManual()
    this.manualEnd = now + MANUAL_FAILOVER_TIMEOUT_MS
    this.pausedFor = replica
    this.hooks.pauseWrites(MANUAL_FAILOVER_TIMEOUT_MS * MANUAL_FAILOVER_PAUSE_MULT)
  }

  /** A message from `sender` with the PAUSED flag and its offset. */
  masterPaused(sender: ClusterNode, offset: number): void {
    if (this.manualEnd !== 0 && this.masterPausedOffset === -1 && sender === this.state.masterOf(this.state.myself))
      this.masterPausedOffset = offset
  }

  /** FAILOVER_AUTH_REQUEST from `candidate`; returns whether we vote for it (the caller sends the ACK). */
  vote(candidate: ClusterNode, request: VoteRequest, now: number): boolean {
    const {state} = this
    const {myself} = state
    if (!myself.isMaster || state.slotsOf(myself).length === 0) return false
    if (request.currentEpoch < state.currentEpoch || state.lastVoteEpoch === state.currentEpoch) return false
    const master = candidate.role === 'slave' ? state.masterOf(candidate) : undefined
    if (!master || (!master.fail && !request.forceAck)) return false
    if (now - (this.votedAt.get(master) ?? -Infinity) < 2 * this.hooks.nodeTimeoutMs()) return false
    for (const slot of request.slots) {
      const owner = state.owners[slot]
      if (owner && owner.configEpoch > request.configEpoch) return false
    }

    state.lastVoteEpoch = state.currentEpoch
    this.votedAt.set(master, now)
    state.changed()
    return true
  }

  /** FAILOVER_AUTH_ACK from `voter`, sent in its `currentEpoch`. */
  voteReceived(voter: ClusterNode, currentEpoch: number): void {
    if (voter.isMaster && this.state.slotsOf(voter).length > 0 && currentEpoch >= this.authEpoch) this.authCount++
  }

  /** clusterHandleSlaveFailover. */
  private runElection(now: number): void {
    const {state} = this
    const {myself} = state
    const master = myself.role === 'slave' ? state.masterOf(myself) : undefined
    const manual = this.manualEnd !== 0 && this.manualCanStart
    if (!master || (!master.fail && !manual) || state.slotsOf(master).length === 0) return
    if (!manual && (this.hooks.noAutomaticFailover() || this.dataTooOld())) return
    const authTimeout = Math.max(2 * this.hooks.nodeTimeoutMs(), 2000)
    const authAge = now - this.authTime
    if (authAge > 2 * authTimeout) {
      this.scheduleElection(master, now)
      return
    }

    if (!this.authSent && this.manualEnd === 0) {
      // Siblings may have told us better offsets since: a worse rank waits longer.
      const rank = this.rank(master)
      if (rank > this.authRank) this.authTime += (rank - this.authRank) * RANK_DELAY_MS
      this.authRank = Math.max(rank, this.authRank)
    }

    if (now < this.authTime || authAge > authTimeout) return
    if (!this.authSent) {
      state.currentEpoch++
      this.authEpoch = state.currentEpoch
      this.authSent = true
      state.changed()
      this.hooks.requestVotes({configEpoch: master.configEpoch, slots: state.slotsOf(master)}, this.forceAck)
      return
    }

    if (this.authCount >= Math.floor(state.size / 2) + 1) this.replaceMaster(this.authEpoch)
  }

  /**
   * A replica cut off from its master for long has data too old to serve: more than the master's ping period
   * plus validity-factor x node-timeout, beyond the node-timeout it took to flag the master FAIL.
   */
  private dataTooOld(): boolean {
    const factor = this.hooks.validityFactor()
    if (factor === 0) return false
    const timeout = this.hooks.nodeTimeoutMs()
    const age = this.hooks.dataAgeMs()
    return (age > timeout ? age - timeout : age) > REPLICA_PING_PERIOD_MS + timeout * factor
  }

  private scheduleElection(master: ClusterNode, now: number): void {
    this.authCount = 0
    this.authSent = false
    if (this.manualEnd === 0) {
      this.authRank = this.rank(master)
      this.authTime = now + BASE_DELAY_MS + Math.random() * JITTER_MS + this.authRank * RANK_DELAY_MS
    } else {
      this.authRank = 0
      this.authTime = now
    }
  }

  /** clusterFailoverReplaceYourMaster: we are the master now, of our former master's slots. */
  private replaceMaster(configEpoch: number): void {
    const {state} = this
    const {myself} = state
    const master = state.masterOf(myself)
    if (!master) return
    myself.configEpoch = Math.max(myself.configEpoch, configEpoch)
    myself.role = 'master'
    myself.masterId = undefined
    for (const slot of state.slotsOf(master)) state.assignSlot(slot, myself)
    this.resetManual()
    state.changed()
  }

  /** Sibling replicas with more replicated data go first (clusterGetSlaveRank). */
  private rank(master: ClusterNode): number {
    const offset = this.hooks.replicationOffset()
    const {myself} = this.state
    return this.state
      .replicasOf(master)
      .filter((replica) => replica !== myself && replica.replicationOffset > offset).length
  }

  /** clusterHandleManualFailover: the election may start once we applied all our paused master wrote. */
  private checkManualOffset(): void {
    if (this.manualEnd === 0 || this.manualCanStart || this.masterPausedOffset === -1) return
    if (this.hooks.replicationOffset() >= this.masterPausedOffset) this.manualCanStart = true
  }

  /** A replica's manual failover ends when it no longer has a master to replace. */
  private lostMaster(): boolean {
    const {myself} = this.state
    return !this.pausedFor && (myself.isMaster || !this.state.masterOf(myself))
  }

  private resetManual(): void {
    if (this.pausedFor) this.hooks.unpauseWrites()
    this.pausedFor = undefined
    this.manualEnd = 0
    this.manualCanStart = false
    this.masterPausedOffset = -1
  }
}
