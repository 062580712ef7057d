/**
 * redis-cli without blocking the event loop (embedded nodes run in the test's own process, so a spawnSync would stop
 * them from answering the tool that waits for them), and CLUSTER NODES read over a raw connection.
 */
import {spawn} from 'node:child_process'

import {waitFor} from '../servers.js'
import {command, textOf} from './resp.js'

export type CliResult = {output: string; status: number}

export function redisCliAsync(args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', args, {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({output, status: status ?? -1})
    })
  })
}

/** Waits until `redis-cli --cluster check` exits 0 with every slot covered and every node agreeing. */
export async function waitForReferenceCheck(address: string, timeoutMs = 30_000): Promise<CliResult> {
  let last: CliResult = {output: '', status: -1}
  try {
    await waitFor(
      `redis-cli --cluster check ${address} to pass`,
      async () => {
        last = await redisCliAsync(['--cluster', 'check', address])
        return (
          last.status === 0 &&
          last.output.includes('[OK] All nodes agree about slots configuration.') &&
          last.output.includes('[OK] All 16384 slots covered.') &&
          !last.output.includes('[WARNING]')
        )
      },
      timeoutMs,
    )
  } catch (error) {
    throw new Error(`${(error as Error).message}; last output:\n${last.output}`)
  }

  return last
}

export type NodeLine = {address: string; flags: string[]; id: string; master: string; port: number; slots: number}

/** CLUSTER NODES of one node, parsed (slot count only; ranges `a-b` and single slots). */
export async function clusterNodes(host: string, port: number): Promise<NodeLine[]> {
  const text = textOf(await command(host, port, ['CLUSTER', 'NODES'])) ?? ''
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, master, , , , , ...slots] = line.split(' ')
      const hostPort = address!.split('@')[0]!
      let count = 0
      for (const range of slots) {
        if (range.startsWith('[')) continue
        const [from, to] = range.split('-').map(Number)
        count += to === undefined ? 1 : to - from! + 1
      }

      return {
        address: hostPort,
        flags: flags!.split(','),
        id: id!,
        master: master!,
        port: Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)),
        slots: count,
      }
    })
}
