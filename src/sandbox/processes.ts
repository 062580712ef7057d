/** Detached node processes: start them, recognise them by pid, stop them. */
import {spawn} from 'node:child_process'
import {closeSync, openSync, readdirSync, readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {OperationError} from '../cluster/errors.js'

/** Starts `command` in its own process group, its output appended to `dir`/node.log; returns the pid. */
export function spawnDetached(command: string, args: readonly string[], dir: string): number {
  const log = openSync(join(dir, 'node.log'), 'a')
  try {
    const child = spawn(command, args, {cwd: dir, detached: true, stdio: ['ignore', log, log]})
    child.unref()
    if (child.pid === undefined) throw new Error(`could not start ${command}`)
    return child.pid
  } finally {
    closeSync(log)
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The command line of a live process, where the system shows it (Linux /proc); undefined elsewhere, and then
 * a live pid is trusted as ours.
 */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return undefined
  }
}

/** The pids of live processes whose command line the system shows (Linux /proc); none elsewhere. */
export function listedProcesses(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => commandLineOf(pid) !== undefined)
  } catch {
    return []
  }
}

export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
  sendSignal(pid, 'SIGTERM')
  if (await exitsWithin(pid, graceMs)) return
  await killProcess(pid, graceMs)
}

/**
 * SIGKILL, and wait for the process to go. A process can outlive it (stuck in the kernel, on a hung disk):
 * after `graceMs` this throws, naming the pid, instead of waiting for ever.
 */
export async function killProcess(pid: number, graceMs = 5000): Promise<void> {
  sendSignal(pid, 'SIGKILL')
  if (await exitsWithin(pid, graceMs)) return
  throw new OperationError(`process ${pid} is still running ${graceMs} ms after SIGKILL`, {
    code: 'PROCESS_SURVIVED_KILL',
    suggestions: [
      `See what holds it with: cat /proc/${pid}/stack (or ps -o stat,wchan -p ${pid}), then run this again`,
    ],
  })
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false
    // eslint-disable-next-line no-await-in-loop
    await sleep(20)
  }

  return true
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Whether nothing listens on host:port (checked by binding it for a moment). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({exclusive: true, host, port}, () => server.close(() => resolve(true)))
  })
}
