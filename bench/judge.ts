/** The reference tool's verdict on a bench's cluster, shared by every bench case. */
import {clientBinary, referenceCheck, waitFor} from '../test/helpers/servers.js'

/**
 * Waits (untimed) until `redis-cli --cluster check` (valkey-cli beside valkey-server) passes, or throws its last
 * report after 30 s. redis-cli's own reshard returns before gossip has told every node, so a check run at once
 * can still see "Nodes don't agree": every tool gets the same time to settle.
 */
export async function assertCheckPasses(toolName: string, seed: string): Promise<void> {
  let verdict = referenceCheck(seed)
  try {
    await waitFor(
      `${clientBinary()} --cluster check to pass`,
      () => (verdict = referenceCheck(seed)).status === 0,
      30_000,
    )
  } catch {
    throw new Error(`${toolName}: ${clientBinary()} --cluster check failed:\n${verdict.output}`)
  }
}
