import {OperationError, UsageError} from '../cluster/errors.js'

export type ConfirmOptions = {
  /** The flag that skips the question, named in the refusal when there is no terminal to ask on. */
  readonly flagName: string
  /** Already confirmed (the flag was given): do not ask. */
  readonly yes: boolean
}

/** A question can be asked only when someone can both read it and answer it. */
export const canPrompt = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY)

/**
 * Asks a yes/no question before a change. Returns when confirmed; throws an OperationError (exit 1, nothing
 * changed) when declined, and a UsageError naming `flagName` when there is no terminal: it never hangs.
 * The question goes to stderr, so that stdout stays clean for --json.
 */
export async function confirmOrRefuse(message: string, {flagName, yes}: ConfirmOptions): Promise<void> {
  if (yes) return
  if (!canPrompt()) {
    throw new UsageError(
      `${message.replace(/\?$/, '')}: not without confirmation, and there is no terminal to ask on: pass ${flagName}`,
      {
        code: 'CONFIRMATION_REQUIRED',
        suggestions: [`Pass ${flagName} to go ahead without a question`],
      },
    )
  }

  if (!(await ask(message))) {
    throw new OperationError('Cancelled: nothing was changed', {code: 'DECLINED'})
  }
}

async function ask(message: string): Promise<boolean> {
  // Loaded only here: commands that never prompt do not pay for inquirer.
  const {confirm} = await import('@inquirer/prompts')
  try {
    return await confirm({default: false, message}, {output: process.stderr})
  } catch (error) {
    // Ctrl-C or a closed terminal during the question counts as "no".
    if (error instanceof Error && error.name === 'ExitPromptError') return false
    throw error
  }
}
