import {Args, Flags} from '@oclif/core'

import {formatAddress, parseAddress} from './cluster/address.js'

/** A node argument, `host:port` or `[v6]:port`, checked and normalised at parse time. */
export const nodeArg = (description: string) =>
  Args.string({
    description,
    parse: async (input) => formatAddress(parseAddress(input)),
    required: true,
  })

/** Flags every command that talks to a cluster shares. */
export const connectionFlags = {
  askpass: Flags.boolean({
    default: false,
    description: 'Ask for the password on the terminal, without echo.',
    helpGroup: 'CONNECTION',
  }),
  cacert: Flags.string({description: 'CA certificate file to verify the nodes with.', helpGroup: 'CONNECTION'}),
  cert: Flags.string({description: 'Client certificate file, for nodes that ask for one.', helpGroup: 'CONNECTION'}),
  'connect-timeout': Flags.integer({
    default: 3000,
    description: 'Milliseconds to wait for a node to accept a connection.',
    helpGroup: 'CONNECTION',
    min: 1,
  }),
  insecure: Flags.boolean({
    default: false,
    description: 'With --tls: skip certificate and host name verification.',
    helpGroup: 'CONNECTION',
  }),
  key: Flags.string({description: 'Private key file of --cert.', helpGroup: 'CONNECTION'}),
  password: Flags.string({
    char: 'a',
    description: 'Password for AUTH (also read from REDISCLI_AUTH).',
    env: 'REDISCLI_AUTH',
    helpGroup: 'CONNECTION',
  }),
  tls: Flags.boolean({default: false, description: 'Connect with TLS.', helpGroup: 'CONNECTION'}),
  user: Flags.string({description: 'ACL user name to authenticate as.', helpGroup: 'CONNECTION'}),
}

/** `--yes`, with REDISCLI_CLUSTER_YES=1 as redis-cli has it. */
export const yesFlag = Flags.boolean({
  char: 'y',
  default: false,
  description: 'Do not ask for confirmation (REDISCLI_CLUSTER_YES=1 does the same).',
  env: 'REDISCLI_CLUSTER_YES',
})

export const dryRunFlag = Flags.boolean({default: false, description: 'Show the plan and change nothing.'})

/** Where a sandbox keeps its state file and its nodes' files. */
export const sandboxDirFlag = Flags.string({
  default: '.slotctl/sandbox',
  description: "The sandbox's directory: its state file and each node's files.",
})
