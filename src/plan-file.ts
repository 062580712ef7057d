import {readFileSync, writeFileSync} from 'node:fs'

import {UsageError} from './cluster/errors.js'

/** Writes a plan for `apply` (--plan-out); a path that cannot be written is a usage error, before any change. */
export function writePlanFile(file: string, plan: object): void {
  try {
    writeFileSync(file, `${JSON.stringify(plan, undefined, 2)}\n`)
  } catch (error) {
    throw new UsageError(
      `cannot write --plan-out ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        code: 'BAD_PLAN_OUT',
        suggestions: ['Give a path in a directory that exists and that you can write to'],
      },
    )
  }
}

/** The text of a plan file given to `apply`. */
export function readPlanFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read plan file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        code: 'BAD_PLAN',
        suggestions: ['Give the path of a plan written with --plan-out (reshard, rebalance, create, fix)'],
      },
    )
  }
}
