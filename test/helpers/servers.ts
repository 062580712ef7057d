/**
 * Real server processes for tests: loopback only, free ports, temporary directories, always torn down.
 * SLOTCTL_TEST_SERVER picks the binary (redis-server by default, valkey-server, or a path to either); every
 * harness helper below starts, names and judges with that one, so one test serves every engine.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {basename, delimiter, dirname, join, resolve} from 'node:path'
import type {TestContext} from 'node:test'

import {Redis} from 'ioredis'

/** The server binary the tests start: SLOTCTL_TEST_SERVER, or redis-server. */
export const SERVER_BINARY = process.env.SLOTCTL_TEST_SERVER || 'redis-server'

/** What the server is called in test names and messages: `redis-server`, `valkey-server`, a path's file name. */
export const SERVER_NAME = basename(SERVER_BINARY)

/** Valkey or Redis, from the binary's name or, for another name, from what its --version prints. */
let valkey: boolean | undefined
export function isValkey(): boolean {
  valkey ??=
    /valkey/i.test(SERVER_NAME) ||
    /valkey/i.test(spawnSync(SERVER_BINARY, ['--version'], {encoding: 'utf8'}).stdout ?? '')
  return valkey
}

/**
 * A companion tool of the server under test (`cli`, `check-rdb`): valkey-cli beside valkey-server, redis-cli
 * beside redis-server. For a server given by path, the tool in the same directory when there is one.
 */
export function serverTool(tool: 'check-rdb' | 'cli'): string {
  const name = `${isValkey() ? 'valkey' : 'redis'}-${tool}`
  if (!SERVER_BINARY.includes('/')) return name
  const beside = join(dirname(SERVER_BINARY), name)
  return existsSync(beside) ? beside : name
}

/** The command-line client that judges clusters of the server under test (`--cluster check` and the rest). */
export function clientBinary(): string {
  return serverTool('cli')
}

/** The `slotctl sandbox --engine` that runs the server under test: its family's name. */
export const SANDBOX_ENGINE = isValkey() ? 'valkey-server' : 'redis-server'

let shim: string | undefined
/**
 * PATH for a child that starts the server by its family's name (slotctl's sandbox engines do): the server under
 * test answers to it, through a symlink in a temporary directory put first. Unchanged PATH for a server given by
 * that name.
 */
export function pathWithServer(): string {
  const path = process.env.PATH ?? ''
  if (SERVER_BINARY === SANDBOX_ENGINE) return path
  if (!shim) {
    const target = SERVER_BINARY.includes('/')
      ? resolve(SERVER_BINARY)
      : path
          .split(delimiter)
          .map((dir) => join(dir, SERVER_BINARY))
          .find((candidate) => existsSync(candidate))
    if (!target) return path
    shim = mkdtempSync(join(tmpdir(), 'slotctl-server-shim-'))
    symlinkSync(target, join(shim, SANDBOX_ENGINE))
    const dir = shim
    process.once('exit', () => rmSync(dir, {force: true, recursive: true}))
  }

  return `${shim}${delimiter}${path}`
}

export const INSTALL_HINT = isValkey()
  ? `${SERVER_NAME} is not installed: apt-get install -y -t bookworm-backports valkey-server valkey-tools`
  : `${SERVER_NAME} is not installed: apt-get install -y redis-server redis-tools`

/**
 * Whether the tests also run embedded nodes: SLOTCTL_TEST_EMBEDDED=0 turns them off (scripts/run-tests.mjs sets it
 * in every pass after the first, which has run them already), and the lifecycle engines list drops them.
 */
export function embeddedEnabled(): boolean {
  return process.env.SLOTCTL_TEST_EMBEDDED !== '0'
}

let available: boolean | undefined
/** Whether the server under test (SLOTCTL_TEST_SERVER) runs here. */
export function redisServerAvailable(): boolean {
  available ??= spawnSync(SERVER_BINARY, ['--version']).status === 0
  return available
}

/**
 * Skips the test on a machine without the server under test, with one line that says how to install it.
 * Under CI the missing server is a failure, never a skip.
 */
export function requireRedisServer(t: TestContext): boolean {
  if (redisServerAvailable()) return true
  if (process.env.CI) throw new Error(INSTALL_HINT)
  t.skip(INSTALL_HINT)
  return false
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({exclusive: true, host, port}, () => server.close(() => resolve(true)))
  })
}

const claimed = new Set<number>()

/** A port P such that P and its cluster bus port P + 10000 are both free on `host`. */
/**
 * A random first port of `count` in a row whose cluster bus ports (+10000) stay below Linux's ephemeral
 * range (32768 and up): a port found free there can be taken by any outgoing connection before the server
 * binds it, which CI saw happen.
 */
export function randomPortBase(count = 1): number {
  return 10_000 + Math.floor(Math.random() * (12_768 - count))
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomPortBase()
    if (claimed.has(port) || claimed.has(port + 10_000)) continue
    // eslint-disable-next-line no-await-in-loop
    if ((await canBind(host, port)) && (await canBind(host, port + 10_000))) {
      claimed.add(port)
      claimed.add(port + 10_000)
      return port
    }
  }

  throw new Error('no free port pair found')
}

export type ServerOptions = {
  /** The server binary; SERVER_BINARY (SLOTCTL_TEST_SERVER) unless a test needs one in particular. */
  binary?: string
  /** Extra `--name value` settings for the server. */
  config?: Record<string, string>
  /** Cluster mode (the default) or a standalone server. */
  cluster?: boolean
  host?: string
  password?: string
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** One server process (SERVER_BINARY unless told otherwise); `stop` kills it and removes its files. */
export class RedisServer {
  readonly dir: string
  process: ChildProcess | undefined

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly args: string[],
    readonly password?: string,
    readonly binary = SERVER_BINARY,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'slotctl-test-'))
  }

  get address(): string {
    return `${this.host}:${this.port}`
  }

  client(password = this.password): Redis {
    return new Redis({host: this.host, lazyConnect: false, maxRetriesPerRequest: 1, password, port: this.port})
  }

  /** SIGKILL, like a crash: the files stay, so `start` brings the same node back. */
  kill(): void {
    if (!this.process) return
    running.delete(this.process)
    this.process.kill('SIGKILL')
    this.process = undefined
  }

  /**
   * Starts the process and waits for PING. A process that exits first (a port taken since `freePort` saw it
   * free, a bad setting) fails at once with the end of its log, not after the ten-second wait.
   */
  async start(): Promise<void> {
    // The log goes to a file in the node's dir, not a pipe: a test blocked in spawnSync drains no pipe, and a
    // server that logs every SETSLOT (Valkey 8) then stalls on a full one until its clients time out.
    const logFile = join(this.dir, 'server.log')
    // stderr stays a pipe for what a server prints before it opens the file (a bad setting); it is little.
    const child = spawn(this.binary, ['--dir', this.dir, '--logfile', logFile, ...this.args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    running.add(child)
    this.process = child
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
    const log = () => [logTail(logFile), stderr.trim()].filter(Boolean).join('\n')
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(new ServerExitedError(this.address, code ?? signal, log(), basename(this.binary))),
      )
    })
    exited.catch(() => {})
    try {
      await Promise.race([waitForPing(this.host, this.port, this.password, basename(this.binary)), exited])
    } catch (error) {
      this.kill()
      throw error
    }
  }

  async stop(): Promise<void> {
    this.kill()
    rmSync(this.dir, {force: true, recursive: true})
  }
}

/** How often a server whose port was taken before it could bind it is started again on another port. */
const PORT_ATTEMPTS = 5

export async function startRedisServer(options: ServerOptions = {}): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1'
  const portTaken = (error: unknown) =>
    error instanceof ServerExitedError && error.log.includes('Address already in use')
  return onFreePort(host, portTaken, async (port) => {
    const server = new RedisServer(host, port, serverArgs(host, port, options), options.password, options.binary)
    try {
      await server.start()
      return server
    } catch (error) {
      await server.stop()
      throw error
    }
  })
}

/**
 * Runs `start` on a port `freePort` found free; when `portTaken` says another test process took it before the
 * server could listen (each process keeps its own claimed ports), tries again on another, PORT_ATTEMPTS times.
 * `start` cleans up after itself when it fails.
 */
export async function onFreePort<T>(
  host: string,
  portTaken: (error: unknown) => boolean,
  start: (port: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      return await start(await freePort(host))
    } catch (error) {
      if (!portTaken(error) || attempt === PORT_ATTEMPTS) throw error
    }
  }
}

function serverArgs(host: string, port: number, options: ServerOptions): string[] {
  const settings: Record<string, string> = {
    appendonly: 'no',
    bind: host,
    port: String(port),
    save: '',
    ...(options.cluster === false
      ? {}
      : {
          'cluster-announce-ip': host,
          'cluster-config-file': 'nodes.conf',
          'cluster-enabled': 'yes',
          'cluster-node-timeout': '2000',
        }),
    ...(options.password ? {masterauth: options.password, requirepass: options.password} : {}),
    ...options.config,
  }
  return Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value])
}

/** A server that exited before it answered PING, with the last lines it logged. */
export class ServerExitedError extends Error {
  constructor(
    address: string,
    exit: NodeJS.Signals | null | number,
    readonly log: string,
    server = SERVER_NAME,
  ) {
    super(`${server} on ${address} exited (${exit}) before it answered PING; its log ends:\n${log}`)
  }
}

/** The last lines of a server's log file (none when it exited before it opened one). */
function logTail(file: string, keep = 20): string {
  if (!existsSync(file)) return ''
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-keep).join('\n')
}

async function waitForPing(host: string, port: number, password: string | undefined, server: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const client = new Redis({
      host,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      password,
      port,
      retryStrategy: () => null,
    })
    client.on('error', () => {})
    try {
      // eslint-disable-next-line no-await-in-loop
      await client.connect()
      // eslint-disable-next-line no-await-in-loop
      await client.ping()
      return
    } catch {
      // not listening yet
    } finally {
      client.disconnect()
    }

    // eslint-disable-next-line no-await-in-loop
    await sleep(20)
  }

  throw new Error(`${server} on ${host}:${port} did not answer within 10 s`)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `condition` until it holds, or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    // eslint-disable-next-line no-await-in-loop
    if (await condition()) return
    // eslint-disable-next-line no-await-in-loop
    await sleep(50)
  }

  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** Runs the reference client (clientBinary(): redis-cli, or valkey-cli for valkey) and returns what it printed. */
export function redisCli(args: string[], input?: string): {output: string; status: number} {
  const result = spawnSync(clientBinary(), args, {encoding: 'utf8', input: input ?? '', timeout: 120_000})
  return {output: `${result.stdout}${result.stderr}`, status: result.status ?? -1}
}

/**
 * The reference client without blocking this process: embedded nodes that live in the test process would otherwise
 * stop answering the very tool that waits for them. `binary` is clientBinary() unless told (embedded nodes, which
 * mimic Redis 7.0, are judged by redis-cli whatever the server under test).
 */
export function redisCliAsync(args: string[], binary = clientBinary()): Promise<{output: string; status: number}> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill(), 60_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({output, status: status ?? -1})
    })
  })
}

/** `redis-cli --cluster check ADDR` (valkey-cli for valkey): the reference tool's verdict on a cluster. */
export function referenceCheck(address: string, password?: string): {output: string; status: number} {
  return redisCli([...(password ? ['-a', password, '--no-auth-warning'] : []), '--cluster', 'check', address])
}
