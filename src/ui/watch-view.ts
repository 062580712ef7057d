import type {EventCode, Member, WatchEvent, WatchState} from '../cluster/events.js'
import {SLOT_COUNT} from '../cluster/keyslot.js'
import {countSlots} from '../cluster/slots.js'
import {paint} from './colour.js'
import {renderTable} from './table.js'

const BAD: ReadonlySet<EventCode> = new Set([
  'COVERAGE_LOST',
  'HOOK_FAILED',
  'NODE_FAIL',
  'NODE_LEFT',
  'NODE_PFAIL',
  'NODE_UNREACHABLE',
])
const GOOD: ReadonlySet<EventCode> = new Set([
  'COVERAGE_RESTORED',
  'NODE_FAIL_CLEARED',
  'NODE_PFAIL_CLEARED',
  'NODE_REACHABLE',
])

/** One event on one line: `17:40:01.250 NODE_FAIL master 127.0.0.1:7000 (3f2a1b9c) is marked failed ...`. */
export function formatEvent(event: WatchEvent): string {
  const colour = BAD.has(event.code) ? paint.red : GOOD.has(event.code) ? paint.green : paint.cyan
  return `${paint.dim(event.time.slice(11, 23))} ${colour(event.code)} ${event.message}`
}

/** A node's state in a word: what slotctl sees first, then what the cluster flags, then what the node says. */
function stateOf(member: Member): string {
  if (member.reachable === false) return paint.red('unreachable')
  if (member.failed) return paint.red('fail')
  if (member.suspectedBy.length > 0) return paint.yellow('pfail')
  if (member.clusterState === undefined) return '?'
  return member.clusterState === 'ok' ? paint.green('ok') : paint.red(`state ${member.clusterState}`)
}

export type ViewContext = {
  readonly intervalMs: number
  readonly now: Date
  /** Terminal height: the list of events is cut to fit. */
  readonly rows: number
  readonly seed: string
}

/** The live screen: a heading, masters with their replicas, and as many recent events as fit. */
export function renderWatchView(state: WatchState, recent: readonly WatchEvent[], context: ViewContext): string {
  const covered = SLOT_COUNT - countSlots(state.uncovered)
  const coverage =
    covered === SLOT_COUNT ? paint.green(`${covered}/${SLOT_COUNT}`) : paint.red(`${covered}/${SLOT_COUNT}`)
  const heading =
    `${paint.bold('slotctl watch')} ${context.seed}  every ${context.intervalMs} ms  ${context.now.toISOString().slice(11, 19)} UTC` +
    `  epoch ${state.currentEpoch}  slots ${coverage}  ${paint.dim('Ctrl-C to stop')}`
  const table = renderTable(['MASTER', 'ID', 'STATE', 'SLOTS', 'KEYS', 'REPLICAS'], masterRows(state))
  const top = `${heading}\n\n${table}\n\n${paint.bold('EVENTS')}`
  const room = Math.max(1, context.rows - top.split('\n').length - 1)
  const events = recent.slice(-room).map((event) => formatEvent(event))
  return `${top}\n${events.join('\n') || paint.dim('none yet')}`
}

function masterRows(state: WatchState): string[][] {
  const masters = state.members.filter((member) => member.role === 'master')
  return masters.map((master) => [
    master.address,
    master.id.slice(0, 8),
    stateOf(master),
    String(countSlots(master.slots)),
    master.keys === undefined ? '?' : String(master.keys),
    state.members
      .filter((member) => member.role === 'replica' && member.masterId === master.id)
      .map((replica) => `${replica.address} ${stateOf(replica)}`)
      .join(', ') || '-',
  ])
}

/**
 * A frame that replaces the previous one in place: cursor home, each line cleared to its end, the rest of the
 * screen cleared, cut to the terminal height so that nothing scrolls.
 */
export function inPlace(text: string, rows: number, first: boolean): string {
  const lines = text.split('\n').slice(0, Math.max(1, rows - 1))
  return `${first ? '\u001B[2J' : ''}\u001B[H${lines.map((line) => `${line}\u001B[K`).join('\n')}\u001B[J`
}
