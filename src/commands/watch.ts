import {Flags, ux} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../cluster/errors.js'
import {EVENT_CODES, type WatchEvent, type WatchState} from '../cluster/events.js'
import {nodeArg} from '../flags.js'
import {EventHook, watchCluster} from '../ops/watch.js'
import {formatEvent, inPlace, renderWatchView} from '../ui/watch-view.js'

/** Events the live view keeps on screen (it shows as many of the latest as fit). */
const RECENT_EVENTS = 100
/** Events that say nothing about the cluster, so `--count` does not count them. */
const NOT_COUNTED = new Set(['HOOK_FAILED', 'WATCH_STARTED'])

export default class Watch extends BaseCommand<typeof Watch> {
  static override args = {address: nodeArg('Any node of the cluster, host:port (only needed to start).')}
  static override description = `Every interval, pings every known node and reads CLUSTER NODES from every master (and enough other nodes to have three views), compares with the last round and reports what changed:
  NODE_UNREACHABLE / NODE_REACHABLE    slotctl cannot reach a node / reaches it again (the subjective view)
  NODE_PFAIL / NODE_PFAIL_CLEARED      a node flags another fail? (suspected), and stops doing so
  NODE_FAIL / NODE_FAIL_CLEARED        the cluster flags a node FAIL (the objective view), and clears it
  FAILOVER                             a replica became master of its former master's slots
  NODE_JOINED / NODE_LEFT              a node appeared in / disappeared from every view
  SLOT_OPEN / SLOT_CLOSED              a slot became migrating or importing / settled
  COVERAGE_LOST / COVERAGE_RESTORED    slots without a working owner / served again
  CLUSTER_STATE                        cluster_state changed (ok or fail) on some nodes
  EPOCH_CHANGED                        the cluster's current epoch moved
  WATCH_STARTED comes first, once the cluster has been read; HOOK_FAILED reports an --exec hook that failed.

On a terminal it draws a live view in place; otherwise it prints one line per event, and with --json one JSON event per line (NDJSON) and nothing else: {time, code, message, nodes: [{address, id}], slots: [{start, end}], details?}.

It keeps going when the node it started from goes away (any known node will do) and stops on Ctrl-C or SIGTERM (exit 0), or after --count events or the first --until event (exit 0; 1 when stopped before that happened).

--exec runs a shell command for every event, one at a time and in order: the event as one JSON line on stdin, and as SLOTCTL_EVENT, SLOTCTL_EVENT_TIME, SLOTCTL_EVENT_MESSAGE, SLOTCTL_EVENT_NODES, SLOTCTL_EVENT_NODE_IDS and SLOTCTL_EVENT_SLOTS (never the password); what it prints goes to stderr, so stdout stays NDJSON. A hook that runs longer than --exec-timeout is killed; a failing hook is reported as HOOK_FAILED. Neither ever delays the watch.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --json --interval 250 | jq -c "select(.code == \\"FAILOVER\\")"',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --exec \'logger -t slotctl "$SLOTCTL_EVENT $SLOTCTL_EVENT_MESSAGE"\'',
    '<%= config.bin %> <%= command.id %> 127.0.0.1:7000 --json --until FAILOVER   # wait for a failover to happen',
  ]
  static override flags = {
    count: Flags.integer({
      description: 'Stop after this many events (WATCH_STARTED and HOOK_FAILED not counted).',
      min: 1,
    }),
    exec: Flags.string({
      description: 'Shell command to run for every event (the event as JSON on stdin and in SLOTCTL_EVENT_*).',
    }),
    'exec-timeout': Flags.integer({
      default: 5000,
      description: 'Milliseconds an --exec hook may run before it is killed and reported as HOOK_FAILED.',
      min: 100,
    }),
    interval: Flags.integer({
      default: 1000,
      description: 'Milliseconds between two readings of the cluster.',
      min: 100,
    }),
    // Checked by hand: oclif exits 1 on a value outside `options`, and the contract says 2 for bad input.
    until: Flags.string({
      description: `Stop after the first event with this code: ${EVENT_CODES.join(', ')}.`,
      async parse(input) {
        if ((EVENT_CODES as readonly string[]).includes(input)) return input
        throw new Error(`${input} is not an event code; one of: ${EVENT_CODES.join(', ')}`)
      },
    }),
  }
  static override summary = 'Watch a cluster live: failures, failovers, slot and membership changes as events.'

  async run(): Promise<void> {
    const stop = new AbortController()
    const unlisten = stopOnSignals(stop)
    const show = this.jsonEnabled() ? jsonLine : process.stdout.isTTY ? this.liveView() : this.eventLines()
    const hook = this.eventHook(show)
    let goalReached = this.flags.count === undefined && this.flags.until === undefined
    let counted = 0
    const isGoal = (event: WatchEvent) =>
      event.code === this.flags.until || (!NOT_COUNTED.has(event.code) && ++counted === this.flags.count)
    try {
      const pool = await this.pool()
      for await (const {events, state} of watchCluster(pool, this.args.address, {
        intervalMs: this.flags.interval,
        signal: stop.signal,
      })) {
        for (const event of events) {
          show.event(event)
          hook?.push(event)
          if (isGoal(event)) {
            goalReached = true
            stop.abort()
            break
          }
        }

        show.round(state)
        if (stop.signal.aborted) break
      }
    } finally {
      unlisten()
      await hook?.drain()
    }

    if (!goalReached) process.exitCode = ExitCode.Failure
  }

  private eventHook(show: EventSink): EventHook | undefined {
    if (this.flags.exec === undefined) return undefined
    return new EventHook({
      command: this.flags.exec,
      onFailure: (event) => show.event(event),
      timeoutMs: this.flags['exec-timeout'],
    })
  }

  /** Without a terminal: one line per event, for logs. */
  private eventLines(): EventSink {
    return {event: (event) => this.log(formatEvent(event)), round() {}}
  }

  /** On a terminal: the whole view redrawn in place after every round. */
  private liveView(): EventSink {
    const recent: WatchEvent[] = []
    let first = true
    return {
      event(event) {
        recent.push(event)
        if (recent.length > RECENT_EVENTS) recent.shift()
      },
      round: (state) => {
        const rows = process.stdout.rows || 24
        const context = {intervalMs: this.flags.interval, now: new Date(), rows, seed: this.args.address}
        this.log(inPlace(renderWatchView(state, recent, context), rows, first))
        first = false
      },
    }
  }
}

type EventSink = {event(event: WatchEvent): void; round(state: WatchState): void}

/** NDJSON: one event per line, written at once (stdout is synchronous for files and pipes). */
const jsonLine: EventSink = {event: (event) => ux.stdout(JSON.stringify(event)), round() {}}

/**
 * The first SIGINT or SIGTERM ends the watch after the current round (hooks still get their events); a second
 * one finds no handler and ends the process at once. A reader that went away (EPIPE) ends it too.
 */
function stopOnSignals(stop: AbortController): () => void {
  const end = () => stop.abort()
  const endOnClosedPipe = (error: NodeJS.ErrnoException) => error.code === 'EPIPE' && end()
  process.once('SIGINT', end)
  process.once('SIGTERM', end)
  process.stdout.on('error', endOnClosedPipe)
  return () => {
    process.off('SIGINT', end)
    process.off('SIGTERM', end)
    process.stdout.off('error', endOnClosedPipe)
  }
}
