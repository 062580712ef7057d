import type {Diagnosis, FixStep} from '../cluster/fix-plan.js'
import {formatRanges} from '../cluster/slots.js'
import type {KeyConflict} from '../ops/fix.js'
import {paint} from './colour.js'
import {renderTable} from './table.js'

const short = (id: string) => (id === '' ? 'nobody' : id.slice(0, 8))

/** Each diagnosis: the slots, the problem, what every node says (the evidence), and the one action proposed. */
export function renderDiagnoses(diagnoses: readonly Diagnosis[]): string {
  return diagnoses
    .map((d) => {
      const rows = d.evidence.map((e) => [
        `${e.address} (${short(e.id)})`,
        e.state.replace(/[0-9a-f]{40}/, (id) => short(id)),
        e.keys,
        short(e.saysOwner),
        e.configEpoch,
      ])
      const title = `${paint.bold(`Slots ${formatRanges(d.slots)}`)}: ${d.losesData ? paint.red(d.problem) : d.problem}`
      const table = renderTable(['NODE', 'STATE', 'KEYS', 'SAYS OWNER', 'EPOCH'], rows)
      return `${title}\n${table}\n${paint.cyan('→')} ${d.action}`
    })
    .join('\n\n')
}

/** The repair plan, one line per step, in the order it runs. */
export function renderFixSteps(steps: readonly FixStep[], nameOf: (id: string) => string): string {
  const lines = steps.map((step) => {
    const slots = formatRanges(step.slots)
    switch (step.kind) {
      case 'move':
        return `finish moving slots ${slots} from ${nameOf(step.from)} to ${nameOf(step.to)}`
      case 'stable':
        return `close slots ${slots} on ${nameOf(step.node)} (SETSLOT STABLE)`
      case 'claim':
        return `${nameOf(step.node)} claims slots ${slots} with a new config epoch`
      case 'release':
        return `${nameOf(step.node)} gives up slots ${slots} to ${nameOf(step.owner)}`
      case 'gather':
        return `move the keys of slots ${slots} from ${nameOf(step.from)} to ${nameOf(step.to)}, never overwriting`
      case 'announce':
        return `tell every master that ${nameOf(step.owner)} owns slots ${slots}`
    }
  })
  return `${paint.bold('Repair plan')}\n${lines.map((line, i) => `  ${i + 1}. ${line}`).join('\n')}`
}

/** Keys left where they were because the owner has a key of the same name. */
export function renderConflicts(conflicts: readonly KeyConflict[]): string {
  const rows = conflicts.map((c) => [c.key, c.slot, c.node])
  const title = `${conflicts.length} keys exist on the owner too and were left where they are (nothing overwritten):`
  return `${paint.yellow(title)}\n${renderTable(['KEY', 'SLOT', 'HELD BY'], rows)}`
}
