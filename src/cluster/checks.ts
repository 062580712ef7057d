import {SLOT_COUNT} from './keyslot.js'
import {checkServers} from './mixed-servers.js'
import {isFailed, isSuspected, type NodeLine} from './nodes.js'
import {classifyMarkers} from './slot-markers.js'
import {type ClusterSnapshot, masters, type NodeReading, seedView} from './snapshot.js'
import {formatRanges, missingRanges, type SlotRange, slotsOf, toRanges} from './slots.js'

export type FindingCode =
  | 'CLUSTER_STATE_FAIL'
  | 'CONFIG_DISAGREEMENT'
  | 'EPOCH_COLLISION'
  | 'MIXED_SERVERS'
  | 'MULTIPLE_OWNERS'
  | 'NO_REPLICA'
  | 'NODE_FAILED'
  | 'NODE_HANDSHAKE'
  | 'NODE_SUSPECTED'
  | 'NODE_UNREACHABLE'
  | 'OPEN_SLOT'
  | 'REPLICA_SAME_HOST'
  | 'STALE_SLOT_STATE'
  | 'UNCOVERED_SLOTS'
  | 'UNKNOWN_MASTER'

/** An error makes the cluster unhealthy (exit 1); a warning is reported but leaves it healthy. */
export type Severity = 'error' | 'warning'

export type NodeRef = {readonly address: string; readonly id: string}

/** One problem `check` found: a stable code, a message, what it concerns and what to run next. */
export type Finding = {
  readonly code: FindingCode
  /** The slotctl command that helps next. */
  readonly hint?: string
  readonly message: string
  readonly nodes?: readonly NodeRef[]
  readonly severity: Severity
  readonly slots?: readonly SlotRange[]
}

/** Runs every check on a snapshot. Pure: the order of findings is stable for the same snapshot. */
export function checkCluster(snapshot: ClusterSnapshot): Finding[] {
  return [
    ...checkReachability(snapshot),
    ...checkAgreement(snapshot),
    ...checkOpenSlots(snapshot),
    ...checkStaleSlotStates(snapshot),
    ...checkCoverage(snapshot),
    ...checkMultipleOwners(snapshot),
    ...checkClusterState(snapshot),
    ...checkReplicas(snapshot),
    ...checkEpochs(snapshot),
    ...checkServers(snapshot),
  ]
}

export const isHealthy = (findings: readonly Finding[]): boolean => findings.every((f) => f.severity !== 'error')

/** `127.0.0.1:7000 (3f2a1b9c)`: how messages name a node. */
export const describeNode = (node: NodeRef): string => `${node.address} (${node.id.slice(0, 8)})`

const refOf = (reading: NodeReading): NodeRef => ({address: reading.address, id: reading.self.id})
const refOfLine = (line: NodeLine): NodeRef => ({address: `${line.host}:${line.port}`, id: line.id})

/** Every member the reachable nodes know of, by id, as the first node that lists it sees it. */
function knownMembers(snapshot: ClusterSnapshot): Map<string, NodeLine> {
  const members = new Map<string, NodeLine>()
  for (const reading of snapshot.nodes)
    for (const line of reading.view) if (!members.has(line.id)) members.set(line.id, line)
  return members
}

function checkReachability(snapshot: ClusterSnapshot): Finding[] {
  const findings: Finding[] = snapshot.unreachable.map((node) => ({
    code: 'NODE_UNREACHABLE',
    hint: `restart it, or remove it with: slotctl del-node ${snapshot.seed} ${node.id ?? node.address}`,
    message: `cannot reach ${node.address}${node.id ? ` (${node.id.slice(0, 8)})` : ''}: ${node.error}`,
    nodes: [{address: node.address, id: node.id ?? ''}],
    severity: 'error',
  }))
  for (const line of knownMembers(snapshot).values()) {
    const flaggedBy = snapshot.nodes.filter((r) =>
      r.view.some((l) => l.id === line.id && (isFailed(l) || isSuspected(l))),
    )
    const failed = snapshot.nodes.some((r) => r.view.some((l) => l.id === line.id && isFailed(l)))
    if (flaggedBy.length > 0) findings.push(failureFinding(snapshot, line, failed, flaggedBy))
    if (line.flags.includes('handshake') || line.flags.includes('noaddr')) {
      findings.push({
        code: 'NODE_HANDSHAKE',
        message: `${describeNode(refOfLine(line))} is ${line.flags.includes('noaddr') ? 'without an address' : 'still in handshake'}`,
        nodes: [refOfLine(line)],
        severity: 'warning',
      })
    }
  }

  return findings
}

function failureFinding(snapshot: ClusterSnapshot, line: NodeLine, failed: boolean, flaggedBy: NodeReading[]): Finding {
  const role = line.role === 'master' ? (line.slots.length > 0 ? 'master' : 'master without slots') : 'replica'
  const by = flaggedBy.map((r) => r.address).join(', ')
  return failed
    ? {
        code: 'NODE_FAILED',
        hint: `restart the node, or remove it with: slotctl del-node ${snapshot.seed} ${line.id}`,
        message: `${role} ${describeNode(refOfLine(line))} is marked failed (by ${by})`,
        nodes: [refOfLine(line)],
        severity: 'error',
      }
    : {
        code: 'NODE_SUSPECTED',
        message: `${role} ${describeNode(refOfLine(line))} is suspected down (fail?) by ${by}`,
        nodes: [refOfLine(line)],
        severity: 'warning',
      }
}

/** Slot → owner id according to one node's view; '' where it knows no owner. */
function ownerMap(view: readonly NodeLine[]): string[] {
  const owners = Array.from({length: SLOT_COUNT}, () => '')
  for (const line of view) if (line.role === 'master') for (const slot of slotsOf(line.slots)) owners[slot] = line.id
  return owners
}

/** Groups consecutive slots that share a key into ranges: [{key, ranges}] in slot order of first appearance. */
function groupSlots(keyOf: (slot: number) => string | undefined): Array<{key: string; slots: SlotRange[]}> {
  const groups = new Map<string, number[]>()
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const key = keyOf(slot)
    if (key === undefined) continue
    const slots = groups.get(key) ?? []
    slots.push(slot)
    groups.set(key, slots)
  }

  return [...groups].map(([key, slots]) => ({key, slots: toRanges(slots)}))
}

/** Who owns what according to one view, as one comparable string (redis-cli's "config signature"). */
function viewSignature(view: readonly NodeLine[]): string {
  return view
    .filter((line) => line.role === 'master' && line.slots.length > 0)
    .map((line) => `${line.id}:${formatRanges(line.slots)}`)
    .sort()
    .join('|')
}

function checkAgreement(snapshot: ClusterSnapshot): Finding[] {
  // Most clusters agree: compare one string per node before looking at any slot.
  if (new Set(snapshot.nodes.map((reading) => viewSignature(reading.view))).size <= 1) return []
  const views = snapshot.nodes.map((reading) => ({map: ownerMap(reading.view), reading}))
  const members = knownMembers(snapshot)
  const nameOf = (id: string) => (id === '' ? 'nobody' : describeNode(refOfLine(members.get(id)!)))
  const groups = groupSlots((slot) => {
    const claims = new Set(views.map((v) => v.map[slot]))
    return claims.size > 1 ? views.map((v) => v.map[slot]).join(' ') : undefined
  })
  return groups.map(({slots}) => {
    const slot = slots[0]!.start
    const bySaid = new Map<string, NodeReading[]>()
    for (const {map, reading} of views) bySaid.set(map[slot]!, [...(bySaid.get(map[slot]!) ?? []), reading])
    const claims = [...bySaid].map(([id, readers]) => `${readers.map((r) => r.address).join(', ')} say ${nameOf(id)}`)
    return {
      code: 'CONFIG_DISAGREEMENT',
      hint: `wait a few seconds and check again (gossip may still be spreading); if it stays: slotctl fix ${snapshot.seed}`,
      message: `nodes disagree about the owner of slots ${formatRanges(slots)}: ${claims.join('; ')}`,
      nodes: views.map(({reading}) => refOf(reading)),
      severity: 'error',
      slots,
    }
  })
}

function checkOpenSlots(snapshot: ClusterSnapshot): Finding[] {
  const describe = new Map<number, string[]>()
  const involved = new Map<number, NodeRef[]>()
  const members = knownMembers(snapshot)
  const peer = (id: string) => (members.has(id) ? describeNode(refOfLine(members.get(id)!)) : id.slice(0, 8))
  const note = (slot: number, reading: NodeReading, text: string) => {
    describe.set(slot, [...(describe.get(slot) ?? []), text])
    involved.set(slot, [...(involved.get(slot) ?? []), refOf(reading)])
  }

  // Masters' own markers only: a replica's copy of its master's (Valkey 8) is the same open slot.
  for (const {direction, node, peerId, slot} of classifyMarkers(snapshot.nodes).own)
    note(slot, node, `${direction} on ${node.address} ${direction === 'migrating' ? 'to' : 'from'} ${peer(peerId)}`)

  if (describe.size === 0) return []
  return groupSlots((slot) => describe.get(slot)?.join(', ')).map(({key, slots}) => ({
    code: 'OPEN_SLOT',
    hint: `slotctl fix ${snapshot.seed}`,
    message: `${slots.length === 1 && slots[0]!.start === slots[0]!.end ? 'slot' : 'slots'} ${formatRanges(slots)} open: ${key}`,
    nodes: involved.get(slots[0]!.start) ?? [],
    severity: 'error',
    slots,
  }))
}

/**
 * A replica's open-slot marker that its master does not have (Valkey keeps them after a full sync,
 * valkey-io/valkey#998): harmless until that replica is promoted, when the slot opens on the new master.
 */
function checkStaleSlotStates(snapshot: ClusterSnapshot): Finding[] {
  const byReplica = new Map<NodeReading, number[]>()
  for (const {node, slot} of classifyMarkers(snapshot.nodes).stale)
    byReplica.set(node, [...(byReplica.get(node) ?? []), slot])
  return [...byReplica].map(([replica, slots]) => ({
    code: 'STALE_SLOT_STATE',
    hint: `slotctl fix ${snapshot.seed} (clears it through its master)`,
    message: `replica ${describeNode(refOf(replica))} keeps ${slots.length === 1 ? 'slot' : 'slots'} ${formatRanges(toRanges(slots))} open, which its master does not: promoted, it would open ${slots.length === 1 ? 'it' : 'them'}`,
    nodes: [refOf(replica)],
    severity: 'warning',
    slots: toRanges(slots),
  }))
}

function checkCoverage(snapshot: ClusterSnapshot): Finding[] {
  const covered = masters(snapshot).flatMap((reading) => reading.self.slots)
  const missing = new Set(slotsOf(missingRanges(covered)))
  if (missing.size === 0) return []
  const seedOwners = ownerMap(seedView(snapshot))
  const members = knownMembers(snapshot)
  return groupSlots((slot) => (missing.has(slot) ? seedOwners[slot] : undefined)).map(({key: ownerId, slots}) => {
    const owner = members.get(ownerId)
    const reason = owner
      ? `owned by ${describeNode(refOfLine(owner))}, which ${isFailed(owner) ? 'has failed' : 'slotctl cannot reach'}`
      : 'no node serves them'
    return {
      code: 'UNCOVERED_SLOTS',
      hint: owner
        ? `restart ${owner.host}:${owner.port}, or: slotctl fix ${snapshot.seed}`
        : `slotctl fix ${snapshot.seed}`,
      message: `${countLabel(slots)} ${formatRanges(slots)} not covered: ${reason}`,
      ...(owner ? {nodes: [refOfLine(owner)]} : {}),
      severity: 'error',
      slots,
    } satisfies Finding
  })
}

function countLabel(ranges: readonly SlotRange[]): string {
  let count = 0
  for (const {end, start} of ranges) count += end - start + 1
  return count === 1 ? 'slot' : `${count} slots`
}

function checkMultipleOwners(snapshot: ClusterSnapshot): Finding[] {
  if (!snapshot.strayKeys?.length && !rangesOverlap(masters(snapshot).flatMap((reading) => reading.self.slots)))
    return []
  // Count claims per slot first: only the rare slots with two claims need to know who made them.
  const claims = new Uint8Array(SLOT_COUNT)
  for (const reading of masters(snapshot)) for (const slot of slotsOf(reading.self.slots)) claims[slot]!++
  const claimants = new Map<number, NodeReading[]>()
  const claim = (slot: number, reading: NodeReading) => {
    const current = claimants.get(slot)
    if (!current) claimants.set(slot, [reading])
    else if (!current.includes(reading)) current.push(reading)
  }

  for (const reading of masters(snapshot)) {
    for (const slot of slotsOf(reading.self.slots)) if (claims[slot]! > 1) claim(slot, reading)
  }

  const byId = new Map(snapshot.nodes.map((reading) => [reading.self.id, reading]))
  for (const stray of snapshot.strayKeys ?? []) {
    const holder = byId.get(stray.nodeId)
    if (!holder) continue
    // The slot's rightful owner is a claimant too, even when it was the only one.
    for (const owner of masters(snapshot))
      if (claims[stray.slot] === 1 && ownsSlot(owner, stray.slot)) claim(stray.slot, owner)
    claim(stray.slot, holder)
  }

  return groupSlots((slot) => {
    const owners = claimants.get(slot) ?? []
    return owners.length > 1 ? owners.map((o) => o.self.id).join(' ') : undefined
  }).map(({slots}) => {
    const owners = claimants.get(slots[0]!.start)!
    return {
      code: 'MULTIPLE_OWNERS',
      hint: `slotctl fix ${snapshot.seed}${snapshot.strayKeys ? ' --search-multiple-owners' : ''}`,
      message: `${countLabel(slots)} ${formatRanges(slots)} ${slots.length === 1 ? 'has' : 'have'} ${owners.length} owners (by slot map or by keys held): ${owners.map((o) => describeNode(refOf(o))).join(', ')}`,
      nodes: owners.map((o) => refOf(o)),
      severity: 'error',
      slots,
    }
  })
}

/** Whether two of the ranges share a slot: the common case, none, costs no per-slot work. */
function rangesOverlap(ranges: readonly SlotRange[]): boolean {
  let reached = -1
  for (const {end, start} of [...ranges].sort((a, b) => a.start - b.start)) {
    if (start <= reached) return true
    reached = Math.max(reached, end)
  }

  return false
}

const ownsSlot = (reading: NodeReading, slot: number): boolean =>
  reading.self.slots.some((range) => range.start <= slot && slot <= range.end)

function checkClusterState(snapshot: ClusterSnapshot): Finding[] {
  const failing = snapshot.nodes.filter((reading) => reading.clusterInfo.cluster_state !== 'ok')
  if (failing.length === 0) return []
  return [
    {
      code: 'CLUSTER_STATE_FAIL',
      message: `cluster_state is not ok on ${failing.map((r) => `${r.address} (${r.clusterInfo.cluster_state ?? 'unknown'})`).join(', ')}`,
      nodes: failing.map((r) => refOf(r)),
      severity: 'error',
    },
  ]
}

function checkReplicas(snapshot: ClusterSnapshot): Finding[] {
  const members = [...knownMembers(snapshot).values()]
  const liveReplicas = (masterId: string) =>
    members.filter((line) => line.role === 'replica' && line.masterId === masterId && !isFailed(line))
  const slotMasters = members.filter((line) => line.role === 'master' && line.slots.length > 0 && !isFailed(line))
  const anyReplicated = slotMasters.some((line) => liveReplicas(line.id).length > 0)
  const findings: Finding[] = []
  if (anyReplicated) {
    for (const master of slotMasters.filter((line) => liveReplicas(line.id).length === 0)) {
      findings.push({
        code: 'NO_REPLICA',
        hint: `slotctl add-node NEW_ADDR ${snapshot.seed} --replica --master-id ${master.id}`,
        message: `master ${describeNode(refOfLine(master))} has no working replica, while other masters have`,
        nodes: [refOfLine(master)],
        severity: 'warning',
      })
    }
  }

  const ids = new Set(members.map((line) => line.id))
  for (const replica of members.filter((line) => line.role === 'replica' && line.masterId && !ids.has(line.masterId))) {
    findings.push({
      code: 'UNKNOWN_MASTER',
      message: `replica ${describeNode(refOfLine(replica))} claims to replicate unknown node ${replica.masterId}`,
      nodes: [refOfLine(replica)],
      severity: 'error',
    })
  }

  return [...findings, ...checkPlacement(snapshot, members)]
}

/** Replicas on their master's host. Only meaningful when the cluster spans several hosts. */
function checkPlacement(snapshot: ClusterSnapshot, members: NodeLine[]): Finding[] {
  if (new Set(members.map((line) => line.host)).size < 2) return []
  const byId = new Map(members.map((line) => [line.id, line]))
  return members
    .filter((line) => line.role === 'replica' && line.masterId && byId.get(line.masterId)?.host === line.host)
    .map((replica) => {
      const master = byId.get(replica.masterId!)!
      return {
        code: 'REPLICA_SAME_HOST',
        hint: `move it: slotctl add-node NEW_ADDR ${snapshot.seed} --replica --master-id ${master.id}, then del-node this one`,
        message: `replica ${describeNode(refOfLine(replica))} is on the same host as its master ${describeNode(refOfLine(master))}`,
        nodes: [refOfLine(replica), refOfLine(master)],
        severity: 'warning',
      }
    })
}

function checkEpochs(snapshot: ClusterSnapshot): Finding[] {
  const byEpoch = new Map<number, NodeReading[]>()
  for (const reading of masters(snapshot)) {
    byEpoch.set(reading.self.configEpoch, [...(byEpoch.get(reading.self.configEpoch) ?? []), reading])
  }

  return [...byEpoch]
    .filter(([, readings]) => readings.length > 1)
    .map(([epoch, readings]) => ({
      code: 'EPOCH_COLLISION',
      hint: 'Redis resolves collisions by itself within seconds; if this stays, check again after a minute',
      message: `masters ${readings.map((r) => describeNode(refOf(r))).join(', ')} share config epoch ${epoch}`,
      nodes: readings.map((r) => refOf(r)),
      severity: 'warning',
    }))
}
