import {type Finding, isHealthy} from '../cluster/checks.js'
import {type ClusterSnapshot, masters, mastersBySlot, replicasOf} from '../cluster/snapshot.js'
import {countSlots, formatRanges} from '../cluster/slots.js'
import {paint} from './colour.js'
import {renderTable} from './table.js'

/** Masters with their slots, keys and replicas: the table `check` opens with. */
export function renderMasters(snapshot: ClusterSnapshot): string {
  const rows = mastersBySlot(snapshot).map((master) => [
    master.address,
    master.self.id.slice(0, 8),
    countSlots(master.self.slots),
    truncate(formatRanges(master.self.slots), 32),
    master.keys,
    replicasOf(snapshot, master.self.id)
      .map((replica) => replica.address)
      .join(' ') || '-',
  ])
  return renderTable(['MASTER', 'ID', 'SLOTS', 'RANGES', 'KEYS', 'REPLICAS'], rows)
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`
}

export function renderFindings(findings: readonly Finding[]): string {
  return findings
    .map((finding) => {
      const label = finding.severity === 'error' ? paint.red('ERROR  ') : paint.yellow('WARNING')
      const hint = finding.hint ? `\n         ${paint.dim(`next: ${finding.hint}`)}` : ''
      return `${label} ${finding.code}: ${finding.message}${hint}`
    })
    .join('\n')
}

/** The one-line verdict `check` ends with. */
export function renderVerdict(snapshot: ClusterSnapshot, findings: readonly Finding[]): string {
  const masterCount = masters(snapshot).length
  const replicaCount = snapshot.nodes.length - masterCount
  const keys = masters(snapshot).reduce((sum, master) => sum + master.keys, 0)
  const covered = masters(snapshot).reduce((sum, master) => sum + countSlots(master.self.slots), 0)
  const errors = findings.filter((f) => f.severity === 'error').length
  const warnings = findings.length - errors
  const summary = `${masterCount} masters, ${replicaCount} replicas, ${Math.min(covered, 16_384)}/16384 slots, ${keys} keys`
  if (!isHealthy(findings)) {
    return paint.red(
      `✘ unhealthy: ${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''} (${summary})`,
    )
  }

  return paint.green(`✔ healthy${warnings ? ` with ${plural(warnings, 'warning')}` : ''}: ${summary}`)
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`
