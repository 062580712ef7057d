/**
 * Runs slotctl as a user would: a child process of the built CLI (`npm test` builds first; by hand, run
 * `npx tsc -p tsconfig.json && npx oclif manifest`). SLOTCTL_DEV=1 runs src through tsx instead (slower start).
 */
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, process.env.SLOTCTL_DEV ? 'bin/dev.js' : 'bin/run.js')

export type CliResult = {
  /** Milliseconds from spawn to exit. */
  elapsedMs: number
  status: number
  stderr: string
  stdout: string
}

export type CliOptions = {
  /** Working directory (where plan files and journals land; see scratchDir); the repository by default. */
  cwd?: string
  env?: Record<string, string | undefined>
  /** Written to stdin, which is then closed. */
  input?: string
  /**
   * Start bin/run.js as a program, through its #! line as a shell does, so that its /bin/sh lines run too;
   * by default it runs on this test's Node.js directly.
   */
  program?: boolean
  timeoutMs?: number
}

/**
 * A directory to run slotctl in, removed when the test ends: a reshard or rebalance without --plan-out saves
 * its plan and journal under .slotctl/ of its working directory, which must not be the repository.
 */
export function scratchDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-work-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** Runs `slotctl ARGS...` with no terminal attached (stdin, stdout and stderr are pipes) and no colour. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = options.program ? [bin, args] : [process.execPath, [bin, ...args]]
    const child = spawn(command, commandArgs, {
      cwd: options.cwd ?? root,
      env: {...process.env, NO_COLOR: '1', REDISCLI_CLUSTER_YES: undefined, ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) =>
      resolve({elapsedMs: Date.now() - started, status: code ?? (signal ? 128 : -1), stderr, stdout}),
    )
    child.stdin.end(options.input ?? '')
  })
}

/** Parses the one JSON document `--json` prints, failing with what was printed when it is not JSON. */
export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${result.status}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    )
  }
}

/** Starts `slotctl ARGS...` as runCli does and leaves it running: for commands that go on until stopped (watch). */
export function spawnCli(args: string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? root,
    env: {...process.env, NO_COLOR: '1', REDISCLI_CLUSTER_YES: undefined, ...options.env},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}
