/** The daemon entry: starts the nodes of a config file, says ready, and exits cleanly on SIGTERM. */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

import {Redis} from 'ioredis'

import {freePort, waitFor} from '../../helpers/servers.js'

test('the daemon runs every configured node and closes them on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-daemon-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const ports = [await freePort(), await freePort()]
  const config = join(dir, 'config.json')
  const readyFile = join(dir, 'ready')
  const nodes = ports.map((port) => ({dir: join(dir, String(port)), host: '127.0.0.1', nodeTimeoutMs: 2000, port}))
  writeFileSync(config, JSON.stringify({nodes}))

  const daemon = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/embedded/daemon.ts', '--config', config, '--ready-file', readyFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  t.after(() => daemon.kill('SIGKILL'))
  let stdout = ''
  daemon.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  await waitFor('the daemon to say ready', () => stdout.includes('ready\n'), 30_000)
  assert.equal(readFileSync(readyFile, 'utf8'), 'ready\n')

  for (const port of ports) {
    const client = new Redis({lazyConnect: true, port})
    await client.connect()
    assert.equal(await client.ping(), 'PONG')
    assert.match(String(await client.call('CLUSTER', 'INFO')), /cluster_known_nodes:1\r\n/)
    client.disconnect()
  }

  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)))
  daemon.kill('SIGTERM')
  assert.equal(await exited, 0)
  const probe = new Redis({lazyConnect: true, port: ports[0]!, retryStrategy: () => null})
  probe.on('error', () => {})
  await assert.rejects(probe.connect())
})

test('SHUTDOWN saves the keys and ends the daemon; a daemon started again on the directory serves them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-daemon-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const port = await freePort()
  const config = join(dir, 'config.json')
  writeFileSync(config, JSON.stringify({nodes: [{clusterEnabled: false, dir: join(dir, 'node'), port}]}))
  const run = async () => {
    const daemon = spawn(process.execPath, ['--import', 'tsx', 'src/embedded/daemon.ts', '--config', config], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    t.after(() => daemon.kill('SIGKILL'))
    let stdout = ''
    daemon.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    await waitFor('the daemon to say ready', () => stdout.includes('ready\n'), 30_000)
    const client = new Redis({lazyConnect: true, port, retryStrategy: () => null})
    client.on('error', () => {})
    await client.connect()
    return {client, exited: new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)))}
  }

  const first = await run()
  await first.client.set('kept', 'across the shutdown')
  await assert.rejects(first.client.call('SHUTDOWN'), /Connection is closed/)
  assert.equal(await first.exited, 0)

  const second = await run()
  t.after(() => second.client.disconnect())
  assert.equal(await second.client.get('kept'), 'across the shutdown')
})
