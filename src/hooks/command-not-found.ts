import type {Hook} from '@oclif/core'

/** An unknown command is a usage error (exit 2), like any other bad argument. */
const hook: Hook.CommandNotFound = async function (options) {
  this.error(`"${options.id}" is not a slotctl command; see the commands with: slotctl --help`, {exit: 2})
}

export default hook
