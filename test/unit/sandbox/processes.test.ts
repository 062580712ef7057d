import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {it} from 'node:test'

import {isAlive, killProcess} from '../../../src/sandbox/processes.js'

it('gives up on a process that outlives SIGKILL, naming it, instead of waiting for ever', async () => {
  // A zombie never goes until its parent reaps it, and `sleep 30` (the shell, exec'd) never reaps its child.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], {stdio: ['ignore', 'pipe', 'ignore']})
  try {
    const [line] = (await once(parent.stdout, 'data')) as [Buffer]
    const zombie = Number(line.toString().trim())
    assert.ok(isAlive(zombie), 'the zombie counts as a live pid')
    await assert.rejects(killProcess(zombie, 300), {
      code: 'PROCESS_SURVIVED_KILL',
      message: `process ${zombie} is still running 300 ms after SIGKILL`,
    })
  } finally {
    parent.kill('SIGKILL')
  }
})
