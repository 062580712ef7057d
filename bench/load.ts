/** Loading the bench's data: shared by every bench case, so that all tools start from the same keys. */
import {spawn} from 'node:child_process'

import {keyHashSlot} from '../src/cluster/keyslot.js'
import {evenRanges, type TestCluster} from '../test/helpers/cluster.js'

export const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000)
export const VALUE = 'x'.repeat(64)

function setCommand(key: string): string {
  return `*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${VALUE.length}\r\n${VALUE}\r\n`
}

/** KEYS keys `key:N` of VALUE, each sent to the master that owns its slot (startCluster's even split). */
export async function loadKeys(cluster: TestCluster): Promise<void> {
  const ranges = evenRanges(cluster.masters.length)
  const chunks = cluster.masters.map(() => [] as string[])
  for (let i = 0; i < KEYS; i++) {
    const key = `key:${i}`
    const slot = keyHashSlot(key)
    chunks[ranges.findIndex(([start, end]) => slot >= start && slot <= end)]!.push(setCommand(key))
  }

  await Promise.all(cluster.masters.map((master, m) => pipeInto(master.host, master.port, chunks[m]!.join(''))))
}

/** redis-cli --pipe: the fastest way to bulk-load a node. */
function pipeInto(host: string, port: number, commands: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', host, '-p', String(port), '--pipe'], {stdio: ['pipe', 'ignore', 'inherit']})
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`))))
    child.stdin.end(commands)
  })
}
