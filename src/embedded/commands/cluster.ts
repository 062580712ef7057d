/** CLUSTER subcommands, ASKING, READONLY and READWRITE, with Redis 7.0's replies and error texts. */
import {isIP} from 'node:net'

import {keyHashSlot, SLOT_COUNT} from '../../cluster/keyslot.js'
import {nodeLine, nodesDescription} from '../cluster/nodes-format.js'
import {BUS_PORT_OFFSET, type ClusterNode, type ClusterState} from '../cluster/state.js'
import {parseInteger} from '../resp.js'
import {keyBuffer} from '../types.js'
import {type ClusterContext, clusterInfo, clusterShards, clusterSlots, links} from './cluster-reports.js'
import {
  arg,
  CommandError,
  type CommandContext,
  type CommandTable,
  container,
  integerArg,
  type Subcommand,
  SYNTAX_ERROR,
  text,
  upper,
} from './command.js'

type ClusterSubcommand = {arity: number; run(context: ClusterContext, args: Buffer[]): void}

function slotArg(value: Buffer | undefined): number {
  const slot = value ? parseInteger(value) : undefined
  if (slot === undefined || slot < 0 || slot >= SLOT_COUNT) throw new CommandError('ERR Invalid or out of range slot')
  return slot
}

function knownNode(cluster: ClusterState, id: Buffer | undefined, message = 'Unknown node'): ClusterNode {
  const node = cluster.node(text(id))
  if (!node) throw new CommandError(`ERR ${message} ${text(id)}`)
  return node
}

/** ADDSLOTS/DELSLOTS and their RANGE forms: check every slot first, then change them all. */
function updateSlots({cluster, reply}: ClusterContext, slots: number[], remove: boolean): void {
  const seen = new Set<number>()
  for (const slot of slots) {
    if (remove && !cluster.owners[slot]) throw new CommandError(`ERR Slot ${slot} is already unassigned`)
    if (!remove && cluster.owners[slot]) throw new CommandError(`ERR Slot ${slot} is already busy`)
    if (seen.has(slot)) throw new CommandError(`ERR Slot ${slot} specified multiple times`)
    seen.add(slot)
  }

  for (const slot of slots) {
    if (remove) cluster.assignSlot(slot, undefined, {keepKeys: true})
    else {
      // A slot we were importing becomes ours: the import is over.
      cluster.importingFrom.delete(slot)
      cluster.assignSlot(slot, cluster.myself)
    }
  }

  cluster.changed()
  reply.ok()
}

function slotRanges(args: Buffer[]): number[] {
  if (args.length % 2 === 1)
    throw new CommandError(`ERR wrong number of arguments for 'cluster|${text(args[1]).toLowerCase()}' command`)
  const slots: number[] = []
  for (let i = 2; i < args.length; i += 2) {
    const start = slotArg(args[i])
    const end = slotArg(args[i + 1])
    if (start > end) throw new CommandError(`ERR start slot number ${start} is greater than end slot number ${end}`)
    for (let slot = start; slot <= end; slot++) slots.push(slot)
  }

  return slots
}

function setslot(context: ClusterContext, args: Buffer[]): void {
  const {cluster, keyspace, reply} = context
  const {myself} = cluster
  if (myself.role === 'slave') throw new CommandError('ERR Please use SETSLOT only with masters.')
  const slot = slotArg(args[2])
  const action = upper(args[3])
  const target = (message: string) => {
    const node = knownNode(cluster, args[4], message)
    if (node.role === 'slave') throw new CommandError('ERR Target node is not a master')
    return node
  }

  if (action === 'MIGRATING' && args.length === 5) {
    if (cluster.owners[slot] !== myself) throw new CommandError(`ERR I'm not the owner of hash slot ${slot}`)
    cluster.migratingTo.set(slot, target("I don't know about node"))
    cluster.markersChanged()
  } else if (action === 'IMPORTING' && args.length === 5) {
    if (cluster.owners[slot] === myself) throw new CommandError(`ERR I'm already the owner of hash slot ${slot}`)
    cluster.importingFrom.set(slot, target("I don't know about node"))
    cluster.markersChanged()
  } else if (action === 'STABLE' && args.length === 4) {
    cluster.importingFrom.delete(slot)
    cluster.migratingTo.delete(slot)
    cluster.markersChanged()
  } else if (action === 'NODE' && args.length === 5) {
    const node = target('Unknown node')
    const keys = keyspace.countKeysInSlot(slot)
    if (cluster.owners[slot] === myself && node !== myself && keys !== 0)
      throw new CommandError(
        `ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`,
      )
    if (keys === 0) cluster.migratingTo.delete(slot)
    const wasMine = cluster.owners[slot] === myself
    cluster.assignSlot(slot, node)
    if (
      wasMine &&
      node !== myself &&
      cluster.slotsOf(myself).length === 0 &&
      context.node.config.get('cluster-allow-replica-migration') === 'yes'
    )
      cluster.setMaster(node)
    if (node === myself && cluster.importingFrom.has(slot)) {
      // The slot was migrated by hand: a new epoch lets our claim win everywhere.
      cluster.bumpConfigEpoch()
      cluster.importingFrom.delete(slot)
    }

    cluster.changed()
  } else throw new CommandError('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP')
  reply.ok()
}

function meet({cluster, node, reply}: ClusterContext, args: Buffer[]): void {
  const ip = text(args[2])
  const port = parseInteger(arg(args, 3))
  if (port === undefined) throw new CommandError(`ERR Invalid TCP base port specified: ${text(args[3])}`)
  const cport = args.length === 5 ? parseInteger(arg(args, 4)) : port + BUS_PORT_OFFSET
  if (cport === undefined) throw new CommandError(`ERR Invalid TCP bus port specified: ${text(args[4])}`)
  if (!isIP(ip) || port <= 0 || port > 65_535 || cport <= 0 || cport > 65_535)
    throw new CommandError(`ERR Invalid node address specified: ${ip}:${text(args[3])}`)
  if (!(ip === cluster.myself.ip && port === cluster.myself.port)) node.bus?.meet(ip, port, cport)
  reply.ok()
}

function replicate({cluster, keyspace, reply}: ClusterContext, args: Buffer[]): void {
  const master = knownNode(cluster, args[2])
  if (master === cluster.myself) throw new CommandError("ERR Can't replicate myself")
  if (master.role === 'slave') throw new CommandError('ERR I can only replicate a master, not a replica.')
  if (cluster.myself.role === 'master' && (cluster.slotsOf(cluster.myself).length > 0 || keyspace.size > 0))
    throw new CommandError('ERR To set a master the node must be empty and without assigned slots.')
  cluster.setMaster(master)
  reply.ok()
}

function forget({cluster, node, reply}: ClusterContext, args: Buffer[]): void {
  const victim = knownNode(cluster, args[2])
  if (victim === cluster.myself) throw new CommandError("ERR I tried hard but I can't forget myself...")
  if (cluster.myself.role === 'slave' && cluster.myself.masterId === victim.id)
    throw new CommandError("ERR Can't forget my master!")
  node.bus?.forgetLink(victim)
  cluster.forget(victim)
  reply.ok()
}

function reset({cluster, keyspace, node, reply}: ClusterContext, args: Buffer[]): void {
  const mode = args.length === 3 ? upper(args[2]) : 'SOFT'
  if (mode !== 'SOFT' && mode !== 'HARD') throw new CommandError(SYNTAX_ERROR)
  if (cluster.myself.role === 'master' && keyspace.size > 0)
    throw new CommandError("ERR CLUSTER RESET can't be called with master nodes containing keys")
  if (cluster.myself.role === 'slave') keyspace.flush()
  for (const peer of cluster.nodes.values()) if (peer !== cluster.myself) node.bus?.forgetLink(peer)
  cluster.reset(mode === 'HARD')
  reply.ok()
}

function setConfigEpoch({cluster, reply}: ClusterContext, args: Buffer[]): void {
  const epoch = integerArg(args[2])
  if (epoch < 0) throw new CommandError(`ERR Invalid config epoch specified: ${epoch}`)
  if (cluster.nodes.size > 1)
    throw new CommandError('ERR The user can assign a config epoch only when the node does not know any other node.')
  if (cluster.myself.configEpoch !== 0) throw new CommandError('ERR Node config epoch is already non-zero')
  cluster.myself.configEpoch = epoch
  cluster.observeEpoch(epoch)
  cluster.changed()
  reply.ok()
}

function replicas({cluster, reply}: ClusterContext, args: Buffer[]): void {
  const master = knownNode(cluster, args[2])
  if (master.role === 'slave') throw new CommandError('ERR The specified node is not a master')
  // Unlike CLUSTER NODES, each entry is one line without its newline.
  const lines = cluster.replicasOf(master).map((replica) => nodeLine(cluster, replica).trimEnd())
  reply.bulkArray(lines)
}

function getKeysInSlot({keyspace, reply}: ClusterContext, args: Buffer[]): void {
  const slot = integerArg(args[2])
  const count = integerArg(args[3])
  if (slot < 0 || slot >= SLOT_COUNT || count < 0) throw new CommandError('ERR Invalid slot or number of keys')
  reply.bulkArray(keyspace.keysInSlot(slot, count).map((key) => keyBuffer(key)))
}

function countKeysInSlot({keyspace, reply}: ClusterContext, args: Buffer[]): void {
  const slot = integerArg(args[2])
  if (slot < 0 || slot >= SLOT_COUNT) throw new CommandError('ERR Invalid slot')
  reply.integer(keyspace.countKeysInSlot(slot))
}

/** CLUSTER FAILOVER [FORCE|TAKEOVER]: the checks Redis makes here, then the bus runs it (cluster/failover.ts). */
function failover({cluster, node, reply}: ClusterContext, args: Buffer[]): void {
  const mode = args.length === 3 ? upper(args[2]) : 'DEFAULT'
  if (mode !== 'DEFAULT' && mode !== 'FORCE' && mode !== 'TAKEOVER') throw new CommandError(SYNTAX_ERROR)
  const {myself} = cluster
  if (myself.role === 'master') throw new CommandError('ERR You should send CLUSTER FAILOVER to a replica')
  const master = cluster.masterOf(myself)
  if (!master) throw new CommandError("ERR I'm a replica but my master is unknown to me")
  if (mode === 'DEFAULT' && (master.fail || !master.linkConnected))
    throw new CommandError('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE')
  node.bus?.failover.startManual(mode, Date.now())
  reply.ok()
}

const SUBCOMMANDS: Record<string, ClusterSubcommand> = {
  addslots: {
    arity: -3,
    run: (context, args) =>
      updateSlots(
        context,
        args.slice(2).map((slot) => slotArg(slot)),
        false,
      ),
  },
  addslotsrange: {arity: -4, run: (context, args) => updateSlots(context, slotRanges(args), false)},
  bumpepoch: {
    arity: 2,
    run: ({cluster, reply}) => {
      const bumped = cluster.bumpConfigEpoch()
      reply.status(`${bumped ? 'BUMPED' : 'STILL'} ${cluster.myself.configEpoch}`)
    },
  },
  'count-failure-reports': {
    arity: 3,
    run({cluster, node, reply}, args) {
      reply.integer(node.bus?.failures.reportCount(knownNode(cluster, args[2]), Date.now()) ?? 0)
    },
  },
  countkeysinslot: {arity: 3, run: countKeysInSlot},
  delslots: {
    arity: -3,
    run: (context, args) =>
      updateSlots(
        context,
        args.slice(2).map((slot) => slotArg(slot)),
        true,
      ),
  },
  delslotsrange: {arity: -4, run: (context, args) => updateSlots(context, slotRanges(args), true)},
  failover: {arity: -2, run: failover},
  flushslots: {
    arity: 2,
    run: ({cluster, keyspace, reply}) => {
      if (keyspace.size > 0) throw new CommandError('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.')
      for (const slot of cluster.slotsOf(cluster.myself)) cluster.assignSlot(slot, undefined)
      cluster.changed()
      reply.ok()
    },
  },
  forget: {arity: 3, run: forget},
  getkeysinslot: {arity: 4, run: getKeysInSlot},
  info: {arity: 2, run: clusterInfo},
  keyslot: {arity: 3, run: ({reply}, args) => reply.integer(keyHashSlot(arg(args, 2)))},
  links: {arity: 2, run: links},
  meet: {arity: -4, run: meet},
  myid: {arity: 2, run: ({cluster, reply}) => reply.bulk(cluster.myself.id)},
  nodes: {arity: 2, run: ({cluster, reply}) => reply.verbatim(nodesDescription(cluster))},
  replicas: {arity: 3, run: replicas},
  replicate: {arity: 3, run: replicate},
  reset: {arity: -2, run: reset},
  saveconfig: {
    arity: 2,
    run: ({node, reply}) => {
      node.saveConfig()
      reply.ok()
    },
  },
  'set-config-epoch': {arity: 3, run: setConfigEpoch},
  setslot: {arity: -4, run: setslot},
  shards: {arity: 2, run: clusterShards},
  slaves: {arity: 3, run: replicas},
  slots: {arity: 2, run: clusterSlots},
}

/** CLUSTER's subcommands, given the cluster state (they only run on a cluster node). */
const clusterContainer = container(
  'cluster',
  Object.fromEntries(
    Object.entries(SUBCOMMANDS).map(([name, {arity, run}]): [string, Subcommand] => [
      name,
      {arity, run: (context, args) => run({...context, cluster: clusterOf(context)}, args)},
    ]),
  ),
)

function clusterOf({node}: CommandContext): ClusterState {
  if (!node.cluster) throw new CommandError('ERR This instance has cluster support disabled')
  return node.cluster
}

function cluster(context: CommandContext, args: Buffer[]): void {
  clusterOf(context)
  clusterContainer(context, args)
}

/** READONLY/READWRITE/ASKING only make sense on a cluster node. */
function clusterFlag(apply: (context: CommandContext) => void) {
  return (context: CommandContext): void => {
    if (!context.node.cluster) throw new CommandError('ERR This instance has cluster support disabled')
    apply(context)
    context.reply.ok()
  }
}

export const clusterCommands: CommandTable = {
  asking: {arity: 1, run: clusterFlag(({client}) => (client.asking = true))},
  cluster: {arity: -2, run: cluster},
  readonly: {arity: 1, run: clusterFlag(({client}) => (client.readonly = true))},
  readwrite: {arity: 1, run: clusterFlag(({client}) => (client.readonly = false))},
}
