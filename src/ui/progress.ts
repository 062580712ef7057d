import {Presets, SingleBar} from 'cli-progress'

/** What the migration engine reports as it goes, drawn as a bar. */
export type MoveProgress = {
  onKeys: (count: number) => void
  onSlots: (count: number) => void
  onStart: (work: {keys: number; slots: number}) => void
  stop: () => void
}

const silent: MoveProgress = {onKeys: () => {}, onSlots: () => {}, onStart: () => {}, stop: () => {}}

/**
 * Slots and keys done, rate and ETA, on stderr and only on a terminal: scripts and --json see nothing.
 * The key total is the plan's estimate, so the bar stretches if keys were added since.
 */
export function moveProgress(enabled = Boolean(process.stderr.isTTY)): MoveProgress {
  if (!enabled) return silent
  const bar = new SingleBar(
    {
      etaBuffer: 50,
      format:
        '{bar} {percentage}% | slots {slots}/{totalSlots} | keys {value}/{total} | {speed} keys/s | ETA {eta_formatted}',
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  )
  const started = performance.now()
  let keys = 0
  let slots = 0
  const speed = () => Math.round(keys / Math.max((performance.now() - started) / 1000, 0.001))
  return {
    onKeys(count) {
      keys += count
      if (keys > bar.getTotal()) bar.setTotal(keys)
      bar.update(keys, {slots, speed: speed()})
    },
    onSlots(count) {
      slots += count
      bar.update(keys, {slots, speed: speed()})
    },
    onStart(work) {
      bar.start(Math.max(work.keys, 1), 0, {slots: 0, speed: 0, totalSlots: work.slots})
    },
    stop() {
      bar.stop()
    },
  }
}
