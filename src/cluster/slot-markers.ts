import type {NodeReading} from './snapshot.js'

/** One open-slot marker (`[slot->-id]` or `[slot-<-id]`) on the node that printed it about itself. */
export type SlotMarker = {
  readonly direction: 'importing' | 'migrating'
  readonly node: NodeReading
  /** The target when migrating, the source when importing. */
  readonly peerId: string
  readonly slot: number
}

/**
 * Open-slot markers by whose they are. Valkey 8 replicates a master's MIGRATING and IMPORTING to its replicas,
 * so a replica prints its master's markers as its own: those copies are not open slots of their own, and
 * SETSLOT is refused on a replica. A replica's marker that its master does not have is stale (left after a
 * full sync, valkey-io/valkey#998): only a SETSLOT sent to its master, which replicates, clears it.
 */
export type ClassifiedMarkers = {
  /** Masters' own markers: the open slots. */
  readonly own: readonly SlotMarker[]
  /** Replicas' copies of their master's markers. */
  readonly copies: readonly SlotMarker[]
  /** Replicas' markers their master does not have (or replicas whose master was not read). */
  readonly stale: readonly SlotMarker[]
}

const keyOf = (marker: Pick<SlotMarker, 'direction' | 'peerId' | 'slot'>) =>
  `${marker.slot} ${marker.direction} ${marker.peerId}`

/** Linear in the markers: each master's are indexed once, then every replica's looked up there. */
export function classifyMarkers(readings: readonly NodeReading[]): ClassifiedMarkers {
  const own: SlotMarker[] = []
  const onReplicas: SlotMarker[] = []
  const mastersMarkers = new Map<string, Set<string>>()
  for (const node of readings) {
    const markers = markersOf(node)
    if (node.self.role === 'master') {
      own.push(...markers)
      mastersMarkers.set(node.self.id, new Set(markers.map(keyOf)))
    } else onReplicas.push(...markers)
  }

  const copies: SlotMarker[] = []
  const stale: SlotMarker[] = []
  for (const marker of onReplicas) {
    const master = mastersMarkers.get(marker.node.self.masterId ?? '')
    ;(master?.has(keyOf(marker)) ? copies : stale).push(marker)
  }

  return {copies, own, stale}
}

function markersOf(node: NodeReading): SlotMarker[] {
  return [
    ...node.self.migrating.map(({peerId, slot}) => ({direction: 'migrating' as const, node, peerId, slot})),
    ...node.self.importing.map(({peerId, slot}) => ({direction: 'importing' as const, node, peerId, slot})),
  ]
}
