/**
 * nodes.conf: the cluster configuration of one node, in Redis' own layout (CLUSTER NODES lines plus a `vars`
 * line), so that a node restarted on the same directory keeps its id, epochs, slots and peers.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs'
import {join} from 'node:path'

import {nodesDescription} from './nodes-format.js'
import {ClusterNode, type ClusterState} from './state.js'

export const NODES_FILE = 'nodes.conf'

/**
 * Writes nodes.conf now, in place as Redis 7.0's clusterSaveConfig does: padded with newlines to the old
 * length (a reader sees whole lines, old or new, and skips empty ones), then cut to size. Truncating the file
 * or renaming a new one over it would make the file system write it back at once: a millisecond or more per
 * save, paid several times per slot during a reshard; rewriting in place costs tens of microseconds.
 */
export function saveClusterConfig(dir: string, state: ClusterState): void {
  pendingSaves.delete(dir)
  const text = `${nodesDescription(state)}vars currentEpoch ${state.currentEpoch} lastVoteEpoch ${state.lastVoteEpoch}\n`
  const content = Buffer.from(text)
  const fd = openConfigFile(dir)
  try {
    const oldLength = fstatSync(fd).size
    const padded =
      oldLength > content.length ? Buffer.concat([content, Buffer.alloc(oldLength - content.length, '\n')]) : content
    writeSync(fd, padded, 0, padded.length, 0)
    if (padded.length > content.length) ftruncateSync(fd, content.length)
  } finally {
    closeSync(fd)
  }
}

/** nodes.conf opened for writing; the directory is made only when missing, not checked on every save. */
function openConfigFile(dir: string): number {
  const file = join(dir, NODES_FILE)
  const flags = constants.O_WRONLY | constants.O_CREAT
  try {
    return openSync(file, flags, 0o644)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    mkdirSync(dir, {recursive: true})
    return openSync(file, flags, 0o644)
  }
}

/** Configurations changed during this event loop turn, by directory. */
const pendingSaves = new Map<string, ClusterState>()

/**
 * Saves nodes.conf once at the end of this event loop turn however many changes it sees. The client server
 * saves before it writes replies (savePendingClusterConfigs), as Redis saves in beforeSleep, so a reply that
 * confirms a change never goes out before the change is on disk.
 */
export function saveClusterConfigSoon(dir: string, state: ClusterState): void {
  if (pendingSaves.size === 0) setImmediate(savePendingClusterConfigs)
  pendingSaves.set(dir, state)
}

export function savePendingClusterConfigs(): void {
  for (const [dir, state] of pendingSaves) saveClusterConfig(dir, state)
}

type SavedNode = {node: ClusterNode; myself: boolean; slotTokens: string[]}

function parseLine(line: string): SavedNode | undefined {
  const [id, address, flags, master, , , epoch, , ...slotTokens] = line.split(' ')
  if (!id || !address || !flags || master === undefined) return undefined
  const match = /^(.*):(\d+)@(\d+)/.exec(address)
  if (!match) return undefined
  const node = new ClusterNode(id, match[1] ?? '', Number(match[2]), Number(match[3]))
  const flagList = flags.split(',')
  node.role = flagList.includes('slave') ? 'slave' : 'master'
  if (master !== '-') node.masterId = master
  node.configEpoch = Number(epoch ?? 0)
  return {myself: flagList.includes('myself'), node, slotTokens}
}

/** Loads nodes.conf into `state` (whose myself is replaced by the saved one). Returns false when absent. */
export function loadClusterConfig(dir: string, state: ClusterState): boolean {
  const file = join(dir, NODES_FILE)
  if (!existsSync(file)) return false
  const saved: SavedNode[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('vars ')) {
      const words = line.split(' ')
      state.currentEpoch = Number(words[words.indexOf('currentEpoch') + 1] ?? 0)
      state.lastVoteEpoch = Number(words[words.indexOf('lastVoteEpoch') + 1] ?? 0)
      continue
    }

    const entry = parseLine(line)
    if (entry) saved.push(entry)
  }

  const me = saved.find((entry) => entry.myself)
  if (!me) return false
  state.nodes.clear()
  state.myself.id = me.node.id
  state.myself.role = me.node.role
  state.myself.masterId = me.node.masterId
  state.myself.configEpoch = me.node.configEpoch
  for (const entry of saved) {
    const node = entry.myself ? state.myself : entry.node
    state.addNode(node)
  }

  for (const entry of saved) {
    const node = entry.myself ? state.myself : entry.node
    for (const token of entry.slotTokens) applySlotToken(state, node, token)
  }

  return true
}

function applySlotToken(state: ClusterState, node: ClusterNode, token: string): void {
  const open = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(token)
  if (open) {
    const peer = state.node(open[3] ?? '')
    if (!peer) return
    const slot = Number(open[1])
    if (open[2] === '>') state.migratingTo.set(slot, peer)
    else state.importingFrom.set(slot, peer)
    return
  }

  const [start, end = start] = token.split('-').map(Number)
  if (start === undefined || Number.isNaN(start)) return
  for (let slot = start; slot <= (end ?? start); slot++) state.assignSlot(slot, node)
}
