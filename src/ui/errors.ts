import type {SlotctlError} from '../cluster/errors.js'
import {paint} from './colour.js'

/** One line that says what failed, never wrapped mid-sentence, then what to do about it. */
export function errorLines(error: SlotctlError): string[] {
  return [
    `${paint.red('error:')} ${error.message}`,
    ...error.suggestions.map((suggestion) => `${paint.dim('hint:')} ${suggestion}`),
  ]
}

/** The `--json` error document, in the shape oclif gives its own errors (`error.oclif.exit`). */
export function errorDocument(error: SlotctlError): {error: Record<string, unknown>} {
  return {
    error: {
      code: error.code,
      oclif: {exit: error.exit},
      suggestions: error.suggestions,
      message: error.message,
      name: 'Error',
    },
  }
}
