import type {MovePlan} from '../cluster/move-plan.js'
import type {ClusterSnapshot} from '../cluster/snapshot.js'
import {countSlots, formatRanges} from '../cluster/slots.js'
import {paint} from './colour.js'
import {renderTable} from './table.js'

/** `127.0.0.1:7000 (3f2a1b9c)` for the node ids of a plan, or the short id of a node not read. */
export function nodeNamer(snapshot: ClusterSnapshot): (id: string) => string {
  const addresses = new Map(snapshot.nodes.map((node) => [node.self.id, node.address]))
  return (id) => `${addresses.get(id) ?? '?'} (${id.slice(0, 8)})`
}

/** The steps of a move plan as a table, under one line that says what it does in total. */
export function renderMovePlan(plan: MovePlan, nameOf: (id: string) => string): string {
  const rows = plan.steps.map((step) => [
    nameOf(step.from),
    nameOf(step.to),
    countSlots(step.slots),
    formatRanges(step.slots),
    step.estimatedKeys ?? '?',
  ])
  const targets = [...new Set(plan.steps.map((step) => nameOf(step.to)))].join(', ')
  const title = `Move ${plan.estimate.slots} slots (about ${plan.estimate.keys} keys) to ${targets}`
  return `${paint.bold(title)}\n\n${renderTable(['FROM', 'TO', 'SLOTS', 'RANGES', 'KEYS'], rows)}`
}

export type MoveReport = {
  keysMoved: number
  keysPerSecond: number
  seconds: number
  slotsMoved: number
  stopped: boolean
}

/** The closing lines of a run; an interrupted one says how to continue it. */
export function renderMoveReport(report: MoveReport, planPath: string): string {
  const done = `${report.slotsMoved} slots and ${report.keysMoved} keys moved in ${report.seconds.toFixed(1)} s (${report.keysPerSecond} keys/s)`
  if (!report.stopped) return paint.green(`✔ ${done}`)
  return `${paint.yellow(`Stopped after the current batch: ${done}.`)}\nContinue with: ${resumeCommand(planPath)}`
}

export const resumeCommand = (planPath: string): string => `slotctl apply ${quoteArg(planPath)} --resume`

const quoteArg = (text: string): string => (/^[\w./:@-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`)
