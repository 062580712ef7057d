/**
 * Which node serves a command (Redis' getNodeByQuery): MOVED, ASK, TRYAGAIN, CROSSSLOT and CLUSTERDOWN,
 * decided from the keys of the command (or of every queued command, for EXEC).
 */
import {keyHashSlot} from '../../cluster/keyslot.js'
import type {Keyspace} from '../keyspace.js'
import {keyString} from '../types.js'
import type {ClusterNode, ClusterState} from './state.js'

export const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
export const TRYAGAIN = 'TRYAGAIN Multiple keys request during rehashing of slot'
export const CLUSTER_DOWN = 'CLUSTERDOWN The cluster is down'
export const SLOT_NOT_SERVED = 'CLUSTERDOWN Hash slot not served'

export type RoutedCommand = {keys: Buffer[]; write: boolean; asking: boolean; isMigrate: boolean}

export type RoutingClient = {asking: boolean; readonly: boolean}

function redirect(kind: 'MOVED' | 'ASK', slot: number, node: ClusterNode): string {
  return `${kind} ${slot} ${node.ip}:${node.port}`
}

/** undefined when this node serves the command, otherwise the error to reply with. */
export function routeCommands(
  state: ClusterState,
  keyspace: Keyspace,
  client: RoutingClient,
  commands: readonly RoutedCommand[],
): string | undefined {
  let slot = -1
  let owner: ClusterNode | undefined
  let migrating = false
  let importing = false
  let firstKey: Buffer | undefined
  let multipleKeys = false
  let missingKeys = 0
  let existingKeys = 0
  for (const command of commands) {
    for (const keyBytes of command.keys) {
      const keySlot = keyHashSlot(keyBytes)
      if (slot === -1) {
        slot = keySlot
        firstKey = keyBytes
        owner = state.owners[slot]
        if (!owner) return SLOT_NOT_SERVED
        if (owner === state.myself && state.migratingTo.has(slot)) migrating = true
        else if (state.importingFrom.has(slot)) importing = true
      } else {
        if (keySlot !== slot) return CROSSSLOT
        if (firstKey && !keyBytes.equals(firstKey)) multipleKeys = true
      }

      if (migrating || importing) {
        if (keyspace.has(keyString(keyBytes))) existingKeys++
        else missingKeys++
      }
    }
  }

  if (slot === -1 || !owner) return undefined
  if (!state.stateOk) return CLUSTER_DOWN
  const isMigrate = commands.some((command) => command.isMigrate)
  if ((migrating || importing) && isMigrate) return undefined
  if (migrating && missingKeys > 0) {
    const target = state.migratingTo.get(slot)
    if (existingKeys > 0 || !target) return TRYAGAIN
    return redirect('ASK', slot, target)
  }

  const asking = client.asking || commands.some((command) => command.asking)
  if (importing && asking) return multipleKeys && missingKeys > 0 ? TRYAGAIN : undefined
  const writes = commands.some((command) => command.write)
  const myMaster = state.myself.role === 'slave' ? state.masterOf(state.myself) : undefined
  if (client.readonly && !writes && myMaster === owner) return undefined
  if (owner !== state.myself) return redirect('MOVED', slot, owner)
  return undefined
}
