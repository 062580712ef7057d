import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {sandboxDirFlag} from '../../flags.js'
import {clientOf, ENGINE_NAMES, type EngineName} from '../../sandbox/engine.js'
import {sandboxUp, type UpResult} from '../../sandbox/sandbox.js'
import {paint} from '../../ui/colour.js'
import {renderTable} from '../../ui/table.js'

export type SandboxUpResult = {
  dir: string
  elapsedMs: number
  engine: EngineName
  nodes: UpResult['nodes']
  /** True when the sandbox already in --dir was started again from its files. */
  resumed: boolean
  seed: string
}

export default class SandboxUp extends BaseCommand<typeof SandboxUp> {
  static override description = `Starts masters × (1 + replicas) nodes on 127.0.0.1, on ports from --port up (each also needs port + 10000 for its cluster bus), keeps their files under --dir, and makes them a cluster with the same code as slotctl create. Then it prints the addresses and how to connect.

When --dir holds a sandbox stopped with sandbox down, up starts it again from its files instead: the same nodes, roles, slots and keys (the shape flags are then ignored). --fresh removes it and starts an empty one.

Each node is its own process, so sandbox stop-node crashes one alone; sandbox down stops only the processes this sandbox started.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --engine redis-server --masters 3 --replicas 1 --port 30001',
    '<%= config.bin %> <%= command.id %> --engine valkey-server --port 31001',
    '<%= config.bin %> <%= command.id %> --masters 5 --replicas 0 --dir /tmp/cluster --json',
    '<%= config.bin %> <%= command.id %> --fresh',
  ]
  static override flags = {
    dir: sandboxDirFlag,
    engine: Flags.string({
      default: 'embedded',
      description: 'What runs the nodes: real redis-server or valkey-server processes, or the nodes built into slotctl.',
      options: [...ENGINE_NAMES],
    }),
    fresh: Flags.boolean({
      default: false,
      description: 'Remove the sandbox already in --dir, files and keys included, and start an empty one.',
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
    const {nodes, resumed, state} = await sandboxUp(await this.pool(), {
      dir: flags.dir,
      engine,
      fresh: flags.fresh,
      masters: flags.masters,
      nodeTimeoutMs: flags['node-timeout'],
      port: flags.port,
      replicas: flags.replicas,
      timeoutMs: flags.timeout,
    })
    const [seed] = nodes
    const elapsedMs = Date.now() - started
    this.report(nodes, flags.dir, state.engine, elapsedMs, resumed)
    return {dir: flags.dir, elapsedMs, engine: state.engine, nodes, resumed, seed: seed?.address ?? ''}
  }

  private report(
    nodes: SandboxUpResult['nodes'],
    dir: string,
    engine: EngineName,
    elapsedMs: number,
    resumed: boolean,
  ): void {
    const rows = nodes.map((n) => [n.address, n.role, n.role === 'master' ? n.slots : `of ${n.master}`, n.pid ?? '-'])
    const [first] = nodes
    const port = first?.port ?? 0
    const seed = first?.address ?? ''
    const dirFlag = dir === SandboxUp.flags.dir.default ? '' : ` --dir ${dir}`
    this.log(
      paint.green(
        `✔ sandbox ${resumed ? 'started again from its files' : 'up'} in ${(elapsedMs / 1000).toFixed(1)} s: ${nodes.length} ${engine} nodes, files in ${dir}\n`,
      ),
    )
    this.log(renderTable(['NODE', 'ROLE', 'SLOTS / MASTER', 'PID'], rows))
    this.log(`
Connect:   ${clientOf(engine)} -c -p ${port}
Try:       slotctl check ${seed}
           slotctl info ${seed}
           slotctl sandbox stop-node ${port}${dirFlag}    (crash a master, then check: a replica takes over)
           slotctl sandbox start-node ${port}${dirFlag}
           slotctl sandbox status${dirFlag}
Stop:      slotctl sandbox down${dirFlag}    (keeps the files: sandbox up starts it again, keys included)`)
  }
}
