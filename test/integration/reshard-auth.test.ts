import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {jsonOf, runCli, scratchDir} from '../helpers/cli.js'
import {startCluster} from '../helpers/cluster.js'
import {redisServerAvailable, referenceCheck, requireRedisServer} from '../helpers/servers.js'
import {checksum, seedKeys} from './reshard-support.js'

const PASSWORD = 'n0t-in-any-output'

describe('reshard with a password', {skip: !redisServerAvailable() && !process.env.CI}, () => {
  it('moves keys (MIGRATE authenticates) and the password reaches no output, plan or journal', async (t) => {
    if (!requireRedisServer(t)) return
    const cluster = await startCluster({masters: 3, password: PASSWORD, replicas: 0})
    t.after(() => cluster.close())
    const masters = cluster.masters.map((node) => ({host: node.host, password: PASSWORD, port: node.port}))
    await seedKeys(masters[0]!, 3000)
    const before = await checksum(masters)
    const args = ['reshard', cluster.seed, '--from', 'all', '--to', cluster.masters[1]!.address, '--slots', '2000']
    const cwd = scratchDir(t)
    const result = await runCli([...args, '--yes', '--json'], {cwd, env: {REDISCLI_AUTH: PASSWORD}})
    assert.equal(result.status, 0, result.stderr)
    const plan = join(cwd, jsonOf<{plan: string}>(result).plan)
    const files = `${readFileSync(plan, 'utf8')}${readFileSync(`${plan}.journal`, 'utf8')}`
    assert.equal(jsonOf<{slotsMoved: number}>(result).slotsMoved, 2000)
    assert.ok(![result.stdout, result.stderr, files].some((text) => text.includes(PASSWORD)))
    assert.deepEqual(await checksum(masters), before)
    const verdict = referenceCheck(cluster.seed, PASSWORD)
    assert.equal(verdict.status, 0, verdict.output)
  })
})
