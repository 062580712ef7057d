import Table from 'cli-table3'

import {colourEnabled, paint} from './colour.js'

/** A plain, borderless table: readable on a terminal, stable for tests and grep. */
export function renderTable(head: string[], rows: Array<Array<number | string>>): string {
  const table = new Table({
    chars: {
      bottom: '',
      'bottom-left': '',
      'bottom-mid': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      middle: '  ',
      right: '',
      'right-mid': '',
      top: '',
      'top-left': '',
      'top-mid': '',
      'top-right': '',
    },
    head: head.map((title) => paint.bold(title)),
    // cli-table3 colours its head and borders even off a terminal unless told not to.
    style: colourEnabled()
      ? {'padding-left': 0, 'padding-right': 0}
      : {border: [], head: [], 'padding-left': 0, 'padding-right': 0},
  })
  table.push(...rows.map((row) => row.map(String)))
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}
