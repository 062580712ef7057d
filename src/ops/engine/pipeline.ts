import type {Redis} from 'ioredis'

export type Arg = Buffer | number | string
export type Outcome = {readonly error?: Error; readonly reply?: unknown}

/** Sends the commands in one round trip and returns each one's reply or error, in order. */
export async function pipelined(connection: Redis, commands: readonly Arg[][], binary = false): Promise<Outcome[]> {
  const pipeline = connection.pipeline()
  for (const [name, ...args] of commands) {
    if (binary) pipeline.callBuffer(String(name), ...args)
    else pipeline.call(String(name), ...args)
  }

  const results = (await pipeline.exec()) ?? []
  return results.map(([error, reply]) => (error ? {error} : {reply}))
}
