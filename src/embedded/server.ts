/**
 * The client-facing TCP server: reads requests, runs them in order and writes all replies of one read with a
 * single socket write. A command that waits (MIGRATE, WAIT) pauses its connection until it is done, so
 * replies stay in request order.
 */
import {createServer, type Server, type Socket} from 'node:net'

import {ClientState} from './client.js'
import {execute} from './commands/dispatch.js'
import {ProtocolError, RequestParser} from './resp.js'
import type {NodeRuntime} from './runtime.js'

/** Stop reading from a client whose replies pile up faster than it reads them. */
const OUTPUT_HIGH_WATER = 8 * 1024 * 1024

class Connection {
  private readonly parser = new RequestParser()
  private readonly client: ClientState
  private busy = false

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
      if (!this.busy) void this.process()
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
  private async process(): Promise<void> {
    const {client, socket} = this
    try {
      for (;;) {
        if (client.closing) break
        const args = this.parser.next(client.authenticated)
        if (!args) break
        const pending = execute(this.node, client, args)
        if (pending) {
          this.busy = true
          socket.pause()
          this.flush()
          await pending
          this.busy = false
          socket.resume()
        }
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error
      client.reply.error(`ERR ${error.message}`)
      client.closing = true
    }

    this.flush()
    if (client.closing) socket.end()
  }

  private flush(): void {
    if (this.client.reply.size === 0 || this.socket.destroyed) return
    const writable = this.socket.write(this.client.reply.take())
    if (!writable && this.socket.writableLength > OUTPUT_HIGH_WATER) this.socket.pause()
  }
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
