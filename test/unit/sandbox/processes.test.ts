import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {once} from 'node:events'
import {it} from 'node:test'

import {isAlive, killProcess} from '../../../src/sandbox/processes.js'
import {redisServerEngine, valkeyServerEngine} from '../../../src/sandbox/server-process.js'

/** Runs `script` in sh and returns the process with the first line it prints. */
async function shell(script: string): Promise<{child: ChildProcessWithoutNullStreams; line: string}> {
  const child = spawn('sh', ['-c', script])
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer]
  return {child, line: chunk.toString().trim()}
}

it('gives up on a process that outlives SIGKILL, naming it, instead of waiting for ever', async () => {
  // A zombie never goes until its parent reaps it, and `sleep 30` (the shell, exec'd) never reaps its child. The
  // child outlives the exec, so that bash cannot reap it first; SIGKILL turns it into that zombie.
  const {child, line} = await shell('sleep 5 & echo $!; exec sleep 30')
  try {
    const zombie = Number(line)
    assert.ok(isAlive(zombie), 'the child counts as a live pid')
    await assert.rejects(killProcess(zombie, 300), {
      code: 'PROCESS_SURVIVED_KILL',
      message: `process ${zombie} is still running 300 ms after SIGKILL`,
    })
  } finally {
    child.kill('SIGKILL')
  }
})

for (const [engine, other] of [
  [redisServerEngine, valkeyServerEngine],
  [valkeyServerEngine, redisServerEngine],
] as const) {
  it(`recognises a ${engine.name} sandbox node by its port, not by a port that starts with it`, async () => {
    // The title the server gives itself, on a process that is not one.
    const title = `${engine.name} 127.0.0.1:17000 [cluster]`
    const {child} = await shell(`echo started; exec bash -c 'exec -a "${title}" sleep 30'`)
    try {
      const spec = (port: number) => ({dir: '/nonexistent', host: '127.0.0.1', nodeTimeoutMs: 3000, port})
      const pid = child.pid!
      for (let tries = 0; !engine.runs(pid, spec(17_000)) && tries < 100; tries++) {
        // eslint-disable-next-line no-await-in-loop
        await new Promise((resolve) => setTimeout(resolve, 10))
      }

      assert.ok(engine.runs(pid, spec(17_000)))
      assert.ok(!engine.runs(pid, spec(1700)))
      assert.ok(!engine.runs(pid, spec(170)))
      assert.ok(!other.runs(pid, spec(17_000)), `a ${other.name} sandbox does not take it for its own`)
    } finally {
      child.kill('SIGKILL')
    }
  })
}
