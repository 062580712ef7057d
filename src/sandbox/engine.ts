/** What the sandbox needs from whatever runs its nodes: one detached process per node, so a node can crash alone. */
export type EngineName = 'embedded' | 'redis-server' | 'valkey-server'

export const ENGINE_NAMES: readonly EngineName[] = ['embedded', 'redis-server', 'valkey-server']

/** One sandbox node: where it listens and where its files (config, nodes.conf, log) live. */
export type NodeSpec = {
  /** The node's own directory, inside the sandbox directory. */
  readonly dir: string
  readonly host: string
  readonly nodeTimeoutMs: number
  readonly port: number
}

export type SandboxEngine = {
  readonly name: EngineName
  /** Throws a SlotctlError that says how to install what is missing. */
  checkAvailable(): void
  /** Starts the node as a detached process (it outlives slotctl) and returns its pid. */
  start(spec: NodeSpec): number
  /** Whether `pid` is still this node's process: pids are reused, and `down` must stop only what it started. */
  runs(pid: number, spec: NodeSpec): boolean
}

/** The command-line client that speaks to an engine's nodes, for the hint `sandbox up` prints. */
export function clientOf(engine: EngineName): string {
  return engine === 'valkey-server' ? 'valkey-cli' : 'redis-cli'
}
