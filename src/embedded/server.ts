/**
 * The client-facing TCP server: reads requests, runs them in order and writes all replies of one event loop
 * turn with a single socket write per client. A command that waits (MIGRATE, WAIT) pauses its connection
 * until it is done, so replies stay in request order.
 */
import {createServer, type Server, type Socket} from 'node:net'

import {ClientState} from './client.js'
import {savePendingClusterConfigs} from './cluster/persistence.js'
import {execute} from './commands/dispatch.js'
import {ProtocolError, RequestParser} from './resp.js'
import type {NodeRuntime} from './runtime.js'

/** Stop reading from a client whose replies pile up faster than it reads them. */
const OUTPUT_HIGH_WATER = 8 * 1024 * 1024

class Connection {
  private readonly parser = new RequestParser()
  private readonly client: ClientState
  private busy = false
  /** In `unflushed`, waiting for the end of this event loop turn. */
  flushQueued = false

  constructor(
    private readonly node: NodeRuntime,
    private readonly socket: Socket,
  ) {
    this.client = new ClientState(`${socket.remoteAddress}:${socket.remotePort}`, node.password !== undefined)
    node.clients.add(this.client)
    node.stats.connections++
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      this.parser.append(chunk)
      if (!this.busy) this.process()
    })
    socket.on('drain', () => {
      if (!this.busy) socket.resume()
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      node.clients.delete(this.client)
      this.client.onClose?.()
    })
    this.client.push = (data) => {
      this.flush()
      if (!socket.destroyed) socket.write(data)
    }
  }

  /** Runs every complete request buffered so far. */
  private process(): void {
    const {client, socket} = this
    // Queued before the commands run, so that their replies go out before the work they schedule with
    // setImmediate of their own (the bus broadcasting a SETSLOT), and the client waits for none of it.
    flushSoon(this)
    try {
      while (!client.closing) {
        const args = this.parser.next(client.authenticated)
        if (!args) break
        const pending = execute(this.node, client, args)
        if (pending) {
          this.waitFor(pending)
          return
        }
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error
      client.reply.error(`ERR ${error.message}`)
      client.closing = true
    }

    if (client.closing) {
      this.flush()
      socket.end()
    }
  }

  /** A command that waits: the client's later requests stay unread and unrun until it is done. */
  private waitFor(pending: Promise<void>): void {
    this.busy = true
    this.socket.pause()
    this.flush()
    void pending.then(() => {
      this.busy = false
      this.socket.resume()
      this.process()
    })
  }

  /** One socket write for everything replied since the last flush, straight from the reply buffer. */
  flush(): void {
    this.flushQueued = false
    const {reply} = this.client
    if (reply.size === 0 || this.socket.destroyed) return
    const writable = this.socket.write(reply.pending())
    reply.sent(this.socket.writableLength > 0)
    if (!writable && this.socket.writableLength > OUTPUT_HIGH_WATER) this.socket.pause()
  }
}

/**
 * Connections with replies to write. They are written once the event loop has run the callbacks of every
 * socket that was ready (setImmediate comes after the poll phase), as Redis writes replies in beforeSleep:
 * a client process woken by its reply does not take the CPU while other clients are still being served.
 */
let unflushed: Connection[] = []

function flushSoon(connection: Connection): void {
  if (connection.flushQueued) return
  connection.flushQueued = true
  if (unflushed.length === 0) setImmediate(flushAll)
  unflushed.push(connection)
}

function flushAll(): void {
  savePendingClusterConfigs()
  const connections = unflushed
  unflushed = []
  for (const connection of connections) connection.flush()
}

export type ClientListener = {close(): Promise<void>}

export async function listenForClients(node: NodeRuntime, host: string, port: number): Promise<ClientListener> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    new Connection(node, socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({exclusive: true, host, port}, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}
