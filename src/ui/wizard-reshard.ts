import {SLOT_COUNT} from '../cluster/keyslot.js'
import {type ClusterSnapshot, masters} from '../cluster/snapshot.js'
import {countSlots} from '../cluster/slots.js'
import {renderMasters} from './cluster-view.js'

/** What the reshard wizard asks for when the flags do not say it. */
export type ReshardAnswers = {count: number; sources: string[]; target: string}
export type ReshardGiven = {count?: number; sources?: string[]; target?: string}

/**
 * Asks for what is missing, on stderr so that stdout stays the command's: shows the masters, then how many slots, the target (a list) and the sources
 * (all, or picked with a checkbox). Node choices are returned as ids.
 */
export async function askReshard(
  snapshot: ClusterSnapshot,
  given: ReshardGiven,
  log: (text: string) => void,
): Promise<ReshardAnswers> {
  // Loaded only here: prompts must not slow down commands that never prompt.
  const {checkbox, number, select} = await import('@inquirer/prompts')
  const choices = masters(snapshot).map((node) => ({
    name: `${node.address} (${node.self.id.slice(0, 8)}), ${countSlots(node.self.slots)} slots, ${node.keys} keys`,
    value: node.self.id,
  }))
  const output = {output: process.stderr}
  log(renderMasters(snapshot))
  const count =
    given.count ??
    (await number({max: SLOT_COUNT, message: 'How many slots do you want to move?', min: 1, required: true}, output))!
  const target = given.target ?? (await select({choices, message: 'Which master receives them?'}, output))
  const others = choices.filter((choice) => choice.value !== target)
  const sources =
    given.sources ??
    ((await select(
      {
        choices: [
          {name: 'all other masters, in proportion to their slots', value: 'all'},
          {name: 'let me pick', value: 'pick'},
        ],
        message: 'Take them from',
      },
      output,
    )) === 'all'
      ? others.map((choice) => choice.value)
      : await checkbox({choices: others, message: 'Pick the sources', required: true}, output))
  return {count, sources, target}
}
