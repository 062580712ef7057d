import {UsageError} from './errors.js'
import {type ClusterSnapshot} from './snapshot.js'
import {formatRanges, isValidSlot, type SlotRange} from './slots.js'

/** Bumped whenever a plan file stops being readable by an older slotctl. */
export const PLAN_VERSION = 1

/** One node as the plan saw it: what must still hold for the plan to be applied. */
export type FingerprintNode = {
  readonly configEpoch: number
  readonly id: string
  readonly masterId?: string
  readonly role: 'master' | 'replica'
  /** Owned slots, `0-5460,5462` form. */
  readonly slots: string
}

/** The topology a plan was computed from: node ids, roles, config epochs and slot owners. */
export type Fingerprint = {readonly nodes: readonly FingerprintNode[]}

/**
 * A plan file: data that says what a mutating command will do. Steps are specific to the kind;
 * `apply` re-reads the cluster and refuses the plan when the fingerprint no longer matches.
 */
export type Plan<Step> = {
  readonly createdAt: string
  readonly fingerprint: Fingerprint
  readonly kind: string
  /** The node the plan was computed from; `apply` starts there. */
  readonly seed: string
  readonly steps: readonly Step[]
  readonly version: typeof PLAN_VERSION
}

/** The error for a plan file that cannot be run, naming the file, its kind and the command that writes one. */
export function badPlan(file: string, kind: string, writtenBy: string): (why: string) => UsageError {
  return (why) =>
    new UsageError(`${file} is not a slotctl ${kind} plan: ${why}`, {
      code: 'BAD_PLAN',
      suggestions: [`Write a plan with: ${writtenBy}`],
    })
}

/**
 * The JSON object of a plan file, with the fields every plan has checked (version, seed, kind, fingerprint);
 * each kind's parser checks its steps. `fail` builds the error that names the file.
 */
export function planObject(text: string, fail: (why: string) => Error): Record<string, unknown> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw fail((error as Error).message)
  }

  if (!isRecord(data)) throw fail('not a JSON object')
  if (data.version !== PLAN_VERSION) throw fail(`version ${String(data.version)} is not ${PLAN_VERSION}`)
  if (typeof data.seed !== 'string' || typeof data.kind !== 'string') throw fail('seed or kind missing')
  if (!isRecord(data.fingerprint) || !Array.isArray(data.fingerprint.nodes)) throw fail('fingerprint missing')
  return data
}

/** The kind a plan file says it is; undefined when it is not one (its parser then says why). */
export function planKindOf(text: string): string | undefined {
  try {
    const data: unknown = JSON.parse(text)
    return isRecord(data) && typeof data.kind === 'string' ? data.kind : undefined
  } catch {
    return undefined
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export const isSlotRange = (value: unknown): value is SlotRange =>
  isRecord(value) && isSlot(value.start) && isSlot(value.end) && value.start <= value.end

const isSlot = (value: unknown): value is number => typeof value === 'number' && isValidSlot(value)

/** Each node's own view of itself, sorted by id, so equal topologies give equal fingerprints. */
export function fingerprintOf(snapshot: ClusterSnapshot): Fingerprint {
  const nodes = snapshot.nodes
    .map(({self}) => ({
      configEpoch: self.configEpoch,
      id: self.id,
      ...(self.masterId ? {masterId: self.masterId} : {}),
      role: self.role,
      slots: formatRanges(self.slots),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return {nodes}
}

/** What changed between the fingerprint a plan was made from and the cluster now; empty when it still holds. */
export function fingerprintChanges(planned: Fingerprint, current: Fingerprint): string[] {
  const now = new Map(current.nodes.map((node) => [node.id, node]))
  const changes: string[] = []
  for (const node of planned.nodes) {
    const live = now.get(node.id)
    const name = node.id.slice(0, 8)
    if (!live) {
      changes.push(`node ${name} is gone`)
      continue
    }

    now.delete(node.id)
    if (live.role !== node.role) changes.push(`node ${name} was a ${node.role}, is now a ${live.role}`)
    if (live.masterId !== node.masterId) changes.push(`node ${name} now replicates ${live.masterId ?? 'nothing'}`)
    if (live.slots !== node.slots) changes.push(`node ${name} owned slots ${node.slots}, now ${live.slots}`)
    if (live.configEpoch !== node.configEpoch) {
      changes.push(`node ${name} config epoch was ${node.configEpoch}, is now ${live.configEpoch}`)
    }
  }

  for (const node of now.values()) changes.push(`node ${node.id.slice(0, 8)} joined`)
  return changes
}
