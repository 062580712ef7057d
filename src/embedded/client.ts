/** The state Redis keeps per connection that commands read or change. */
import {ReplyWriter} from './resp.js'

let nextClientId = 1

export class ClientState {
  readonly id = nextClientId++
  readonly reply = new ReplyWriter()
  readonly createdAt = Date.now()
  name = ''
  /** The SELECTed database. */
  db = 0
  authenticated: boolean
  /** One-shot permission to run a command on a slot we are importing (ASKING). */
  asking = false
  /** READONLY: a replica serves reads for its master's slots. */
  readonly = false
  /** Commands queued since MULTI, or undefined outside a transaction. */
  transaction: Buffer[][] | undefined
  /** A queued command was refused, so EXEC must abort. */
  transactionFailed = false
  /** QUIT: close the connection once the replies are written. */
  closing = false
  /** The replication stream from our master: no redirections, no replies. */
  isMaster = false
  /** Writes to the connection now, after any pending replies (replication streams use it). */
  push: ((data: Buffer) => void) | undefined
  onClose: (() => void) | undefined

  constructor(
    readonly address: string,
    passwordRequired: boolean,
  ) {
    this.authenticated = !passwordRequired
  }
}
