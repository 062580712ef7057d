import type {PlacementWarning} from '../cluster/create-layout.js'
import {type CreatePlan, plannedMasters} from '../cluster/create-plan.js'
import {countSlots, formatRanges} from '../cluster/slots.js'
import {paint} from './colour.js'
import {renderTable} from './table.js'

/** The allocation a create plan makes (each master, its slots and their count, its replicas), then any warning. */
export function renderCreatePlan(plan: CreatePlan, warnings: readonly PlacementWarning[] = []): string {
  const rows = plannedMasters(plan).map((master) => [
    master.address,
    formatRanges(master.slots),
    countSlots(master.slots),
    master.replicas.join(' ') || '-',
  ])
  const table = renderTable(['MASTER', 'SLOTS', 'COUNT', 'REPLICAS'], rows)
  const lines = warnings.map((warning) => `${paint.yellow('WARNING')} ${warning.code}: ${warning.message}`)
  return [table, ...(lines.length > 0 ? ['', ...lines] : [])].join('\n')
}
