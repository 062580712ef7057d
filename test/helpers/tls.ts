/**
 * TLS for tests: a throwaway CA and one node certificate made with openssl, and redis-server clusters whose
 * clients and bus speak TLS. The plain port stays open only for the test harness itself (starting, pinging,
 * building the cluster with raw commands); slotctl is pointed at the TLS ports, which are also what the
 * nodes announce (tls-cluster yes).
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {evenRanges} from './cluster.js'
import {freePort, type RedisServer, startRedisServer, waitFor} from './servers.js'

export type Certificates = {
  readonly ca: string
  readonly cert: string
  readonly dir: string
  readonly key: string
  remove(): void
}

/** A CA and a certificate it signs for `subjectAltName` (such as `DNS:localhost`), valid for a day. */
export function makeCertificates(subjectAltName: string): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'slotctl-tls-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, {stdio: 'pipe'})
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=slotctl test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
  )
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=node',
    '-keyout',
    file('node.key'),
    '-out',
    file('node.csr'),
  )
  writeFileSync(file('ext.cnf'), `subjectAltName=${subjectAltName}\n`)
  openssl(
    'x509',
    '-req',
    '-in',
    file('node.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('ext.cnf'),
    '-out',
    file('node.crt'),
  )
  return {
    ca: file('ca.crt'),
    cert: file('node.crt'),
    dir,
    key: file('node.key'),
    remove: () => rmSync(dir, {force: true, recursive: true}),
  }
}

/** A redis-server whose clients and cluster bus use TLS on `tlsPort`; `extra` adds settings (a hostname...). */
export type TlsNode = {readonly server: RedisServer; readonly tlsAddress: string; readonly tlsPort: number}

export async function startTlsNode(
  certificates: Certificates,
  {extra = {}, password}: {extra?: Record<string, string>; password: string},
): Promise<TlsNode> {
  const tlsPort = await freePort()
  const server = await startRedisServer({
    config: {
      'tls-auth-clients': 'optional',
      'tls-ca-cert-file': certificates.ca,
      'tls-cert-file': certificates.cert,
      'tls-cluster': 'yes',
      'tls-key-file': certificates.key,
      'tls-port': String(tlsPort),
      'tls-replication': 'yes',
      ...extra,
    },
    password,
  })
  return {server, tlsAddress: `127.0.0.1:${tlsPort}`, tlsPort}
}

/** Joins TLS nodes into a cluster of masters with raw commands over their plain ports; MEET goes to TLS ports. */
export async function joinTlsCluster(nodes: readonly TlsNode[], password: string): Promise<void> {
  const ranges = evenRanges(nodes.length)
  const first = nodes[0]!
  await Promise.all(
    nodes.map(async (node, i) => {
      const client = node.server.client(password)
      try {
        await client.call('CLUSTER', 'ADDSLOTSRANGE', ...ranges[i]!)
        await client.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1)
        if (i > 0) await client.call('CLUSTER', 'MEET', '127.0.0.1', first.tlsPort)
      } finally {
        client.disconnect()
      }
    }),
  )
  await waitFor('cluster_state:ok on every TLS node', async () => {
    const infos = await Promise.all(
      nodes.map(async (node) => {
        const client = node.server.client(password)
        try {
          return String(await client.call('CLUSTER', 'INFO'))
        } finally {
          client.disconnect()
        }
      }),
    )
    return infos.every(
      (info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${nodes.length}`),
    )
  })
}
