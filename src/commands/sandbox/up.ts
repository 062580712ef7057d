import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {CreateLayout} from '../../cluster/create-layout.js'
import {formatRanges} from '../../cluster/slots.js'
import {sandboxDirFlag} from '../../flags.js'
import {ENGINE_NAMES, type EngineName} from '../../sandbox/engine.js'
import {addressOfNode, sandboxUp} from '../../sandbox/sandbox.js'
import {paint} from '../../ui/colour.js'
import {renderTable} from '../../ui/table.js'

export type SandboxUpResult = {
  dir: string
  elapsedMs: number
  engine: EngineName
  nodes: Array<NodeRole & {address: string; pid: null | number; port: number}>
  seed: string
}

export default class SandboxUp extends BaseCommand<typeof SandboxUp> {
  static override description = `Starts masters × (1 + replicas) nodes on 127.0.0.1, on ports from --port up (each also needs port + 10000 for its cluster bus), keeps their files under --dir, and makes them a cluster with the same code as slotctl create. Then it prints the addresses and how to connect.

Each node is its own process, so sandbox stop-node crashes one alone; sandbox down stops only the processes this sandbox started.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --engine redis-server --masters 3 --replicas 1 --port 30001',
    '<%= config.bin %> <%= command.id %> --masters 5 --replicas 0 --dir /tmp/cluster --json',
  ]
  static override flags = {
    dir: sandboxDirFlag,
    engine: Flags.string({
      default: 'embedded',
      description: 'What runs the nodes: real redis-server processes, or the nodes built into slotctl.',
      options: [...ENGINE_NAMES],
    }),
    masters: Flags.integer({default: 3, description: 'Masters (at least 3).', min: 1}),
    'node-timeout': Flags.integer({
      default: 3000,
      description: 'cluster-node-timeout of the nodes, in milliseconds: short, so failover drills are quick.',
      min: 100,
    }),
    port: Flags.integer({
      default: 30_001,
      description: 'Port of the first node; the others follow.',
      max: 55_535,
      min: 1,
    }),
    replicas: Flags.integer({default: 1, description: 'Replicas per master.', min: 0}),
    timeout: Flags.integer({default: 60_000, description: 'Milliseconds to wait for the nodes to agree.', min: 1}),
  }
  static override summary = 'Start a local cluster to try things on.'

  async run(): Promise<SandboxUpResult> {
    const started = Date.now()
    const {flags} = this
    const engine = flags.engine as EngineName
    const {layout, state} = await sandboxUp(await this.pool(), {
      dir: flags.dir,
      engine,
      masters: flags.masters,
      nodeTimeoutMs: flags['node-timeout'],
      port: flags.port,
      replicas: flags.replicas,
      timeoutMs: flags.timeout,
    })
    const roles = rolesOf(layout)
    const nodes = state.nodes.flatMap((node) => {
      const role = roles.get(addressOfNode(node))
      return role ? [{address: addressOfNode(node), pid: node.pid, port: node.port, ...role}] : []
    })
    const [seed] = nodes
    const elapsedMs = Date.now() - started
    this.report(nodes, flags.dir, engine, elapsedMs)
    return {dir: flags.dir, elapsedMs, engine, nodes, seed: seed?.address ?? ''}
  }

  private report(nodes: SandboxUpResult['nodes'], dir: string, engine: EngineName, elapsedMs: number): void {
    const rows = nodes.map((n) => [n.address, n.role, n.role === 'master' ? n.slots : `of ${n.master}`, n.pid ?? '-'])
    const [first] = nodes
    const port = first?.port ?? 0
    const seed = first?.address ?? ''
    const dirFlag = dir === SandboxUp.flags.dir.default ? '' : ` --dir ${dir}`
    this.log(
      paint.green(
        `✔ sandbox up in ${(elapsedMs / 1000).toFixed(1)} s: ${nodes.length} ${engine} nodes, files in ${dir}\n`,
      ),
    )
    this.log(renderTable(['NODE', 'ROLE', 'SLOTS / MASTER', 'PID'], rows))
    this.log(`
Connect:   redis-cli -c -p ${port}
Try:       slotctl check ${seed}
           slotctl info ${seed}
           slotctl sandbox stop-node ${port}${dirFlag}    (crash a master, then check: a replica takes over)
           slotctl sandbox start-node ${port}${dirFlag}
           slotctl sandbox status${dirFlag}
Stop:      slotctl sandbox down${dirFlag}`)
  }
}

type NodeRole = {master: string; role: 'replica'} | {role: 'master'; slots: string}

function rolesOf(layout: CreateLayout): Map<string, NodeRole> {
  const roles = new Map<string, NodeRole>()
  for (const master of layout.masters) {
    roles.set(master.address, {role: 'master', slots: formatRanges([master.slots])})
    for (const replica of master.replicas) roles.set(replica.address, {master: master.address, role: 'replica'})
  }

  return roles
}
