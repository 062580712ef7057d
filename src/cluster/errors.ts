/** Exit codes of the CLI contract (DESIGN.md). */
export const ExitCode = {
  /** The cluster has problems, or the operation failed. */
  Failure: 1,
  Ok: 0,
  /** Cannot connect to or authenticate with the seed node. */
  Unreachable: 3,
  /** Bad flags or arguments. */
  Usage: 2,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export type ErrorDetails = {
  /** A stable, SCREAMING_SNAKE identifier that scripts can match on. */
  code?: string
  /** What to do about it: usually the next command to run. */
  suggestions?: string[]
}

/** An error slotctl expects and explains: the CLI prints its message and suggestions, never a stack. */
export class SlotctlError extends Error {
  readonly code: string
  readonly exit: ExitCode
  readonly suggestions: string[]

  constructor(message: string, exit: ExitCode, details: ErrorDetails = {}) {
    super(message)
    this.name = 'SlotctlError'
    this.code = details.code ?? 'FAILED'
    this.exit = exit
    this.suggestions = details.suggestions ?? []
  }
}

/** Bad input from the user: exit 2, and nothing was changed. */
export class UsageError extends SlotctlError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.Usage, {code: 'USAGE', ...details})
    this.name = 'UsageError'
  }
}

/** The seed node could not be reached or refused our credentials: exit 3. */
export class ConnectionError extends SlotctlError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.Unreachable, {code: 'UNREACHABLE', ...details})
    this.name = 'ConnectionError'
  }
}

/** An operation that started and could not finish: exit 1. */
export class OperationError extends SlotctlError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.Failure, details)
    this.name = 'OperationError'
  }
}
