/**
 * TEST-ONLY crash hook. `SLOTCTL_TEST_KILL_AT=phase:count` makes the process SIGKILL itself the count-th
 * time the engine reaches `phase`, so that integration tests can crash a run at an exact point and then
 * check that `apply --resume` finishes it with no key lost. Unset (always, outside tests), it does nothing.
 *
 * Phases: `importing` (target set IMPORTING, source not yet MIGRATING), `migrating` (both set, no key
 * moved), `batch` (1 ms after a MIGRATE is sent, while the server runs it), `node` (keys drained, before
 * any SETSLOT NODE), `node-target` (after the target's SETSLOT NODE, before the source's and the others').
 */
export type KillPhase = 'batch' | 'importing' | 'migrating' | 'node' | 'node-target'

const [wantedPhase, wantedCount] = (process.env.SLOTCTL_TEST_KILL_AT ?? '').split(':')
const reached = new Map<string, number>()

export function killPoint(phase: KillPhase, delayMs = 0): void {
  if (phase !== wantedPhase) return
  const count = (reached.get(phase) ?? 0) + 1
  reached.set(phase, count)
  if (count !== Number(wantedCount ?? 1)) return
  const kill = () => process.kill(process.pid, 'SIGKILL')
  if (delayMs > 0) setTimeout(kill, delayMs)
  else kill()
}
