/**
 * A `slotctl watch --json` child process whose NDJSON events the test reads as they come, with the time each one
 * arrived.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {createInterface} from 'node:readline'

import type {WatchEvent} from '../../src/cluster/events.js'
import {type CliOptions, spawnCli} from './cli.js'
import {waitFor} from './servers.js'

export type Received = WatchEvent & {receivedAt: number}

/** Watches still running: a failed test must not leave one behind, or the test process never ends. */
const running = new Set<ChildProcess>()

/** Kills every watch a test started and did not stop; for `after` hooks. */
export function killWatches(): void {
  for (const child of running) child.kill('SIGKILL')
}

process.once('exit', killWatches)

export class WatchRun {
  readonly events: Received[] = []
  /** Lines on stdout that are not one JSON event: --json must print none. */
  readonly strayLines: string[] = []
  private readonly child
  private readonly exited: Promise<{status: number; stderr: string}>

  constructor(args: string[], options: CliOptions = {}) {
    this.child = spawnCli(['watch', ...args], options)
    running.add(this.child)
    this.child.once('exit', () => running.delete(this.child))
    createInterface({input: this.child.stdout}).on('line', (line) => this.receive(line))
    let stderr = ''
    this.child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({status: code ?? (signal ? 128 : -1), stderr}))
    })
  }

  /** The first event with this code (and matching `where`), waiting for it up to `timeoutMs`. */
  async next(code: string, timeoutMs: number, where: (event: Received) => boolean = () => true): Promise<Received> {
    const find = () => this.events.find((event) => event.code === code && where(event))
    await waitFor(`${code} from watch (got ${this.codes().join(', ')})`, () => find() !== undefined, timeoutMs)
    return find()!
  }

  codes(): string[] {
    return this.events.map((event) => event.code)
  }

  /** Sends `signal` (unless already exited) and resolves with the exit status and stderr. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{status: number; stderr: string}> {
    if (this.child.exitCode === null) this.child.kill(signal)
    return this.exited
  }

  /** Resolves when the process ends by itself; kills it and rejects when it has not after `timeoutMs`. */
  async exit(timeoutMs = 30_000): Promise<{status: number; stderr: string}> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL')
        reject(new Error(`watch still running after ${timeoutMs} ms; events: ${this.codes().join(', ')}`))
      }, timeoutMs)
    })
    return Promise.race([this.exited, late]).finally(() => clearTimeout(timer))
  }

  private receive(line: string): void {
    try {
      const event = JSON.parse(line) as WatchEvent
      assert.equal(typeof event.code, 'string')
      this.events.push({...event, receivedAt: Date.now()})
    } catch {
      this.strayLines.push(line)
    }
  }
}
