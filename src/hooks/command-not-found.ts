import type {Hook} from '@oclif/core'

/** An unknown command is a usage error (exit 2), like any other bad argument. */
const hook: Hook.CommandNotFound = async function (options) {
  this.error(`"${options.id}" is not a slotctl command`, {
    exit: 2,
    suggestions: ['See the commands with: slotctl --help'],
  })
}

export default hook
