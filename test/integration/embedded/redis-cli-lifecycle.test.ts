/**
 * The reference tool drives a whole cluster life on fresh nodes, with keys in them: `redis-cli --cluster` create,
 * add-node (a master, then a replica of it), rebalance onto the empty master, reshard, reshard the master empty,
 * del-node of that master and of the replica, fix of a half-moved slot and of uncovered slots (keys on one master, on
 * two), set-timeout and call. After every step `redis-cli --cluster check` passes, slotctl's `check --json` says
 * healthy, slotctl's `info --json` counts every key written, and every key still has its value. The same scenario runs
 * on redis-server, so a failure on embedded nodes alone is the embedded node's. */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, before, describe, it} from 'node:test'

import {keyHashSlot} from '../../../src/cluster/keyslot.js'
import {isMyself, parseClusterNodes} from '../../../src/cluster/nodes.js'
import {type CliResult, jsonOf, runCli} from '../../helpers/cli.js'
import {clusterNodes, type NodeLine, waitForReferenceCheck} from '../../helpers/conformance/cli.js'
import {engines, type TestNode, withClient} from '../../helpers/lifecycle.js'
import {redisServerAvailable, requireRedisServer, waitFor} from '../../helpers/servers.js'
import {checksum, seedKeys} from '../reshard-support.js'

const KEYS = 3000

type CliRun = {output: string; status: number}

/** redis-cli with `input` on stdin (fix asks before covering a slot, and `--cluster-yes` does not answer that). */
function redisCli(args: string[], input = ''): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', args, {stdio: ['pipe', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({output, status: status ?? -1})
    })
    // redis-cli may exit before reading its input: a write to a closed pipe is no error of the test's.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

async function succeeds(args: string[], input?: string): Promise<string> {
  const result = await redisCli(args, input)
  assert.equal(result.status, 0, `redis-cli ${args.join(' ')}\n${result.output}`)
  return result.output
}

const call = (node: TestNode, ...args: Array<number | string>) =>
  withClient(node, (client) => client.call(String(args[0]), ...args.slice(1).map(String)))

for (const engine of engines) {
  describe(
    `redis-cli --cluster lifecycle on ${engine.name} nodes`,
    {skip: !redisServerAvailable() && !process.env.CI},
    () => {
      // a, b, c: created together; d: added as a master; e: added as d's replica.
      const nodes: TestNode[] = []
      const ids: string[] = []
      let keysBefore: {digest: string; keys: number} | undefined
      const nodeAt = (i: number) => () => nodes[i]!
      const [a, b, c, d, e] = [nodeAt(0), nodeAt(1), nodeAt(2), nodeAt(3), nodeAt(4)]
      const id = (node: () => TestNode) => ids[nodes.indexOf(node())]!

      before(async () => {
        if (!redisServerAvailable()) return
        for (let i = 0; i < 5; i++) nodes.push(await engine.startNode())
        ids.push(...(await Promise.all(nodes.map(async (node) => String(await call(node, 'CLUSTER', 'MYID'))))))
      })
      after(() => Promise.all(nodes.map((node) => node.stop())))

      const view = (): Promise<NodeLine[]> => clusterNodes(a().host, a().port)
      const lineOf = async (node: () => TestNode) => (await view()).find((line) => line.id === id(node))

      /** The masters a's view holds, as nodes to read keys from. */
      async function masters(): Promise<TestNode[]> {
        const lines = (await view()).filter((line) => line.flags.includes('master'))
        return nodes.filter((_, i) => lines.some((line) => line.id === ids[i]))
      }

      /**
       * Every judge agrees the cluster is healthy: redis-cli's check (waited for: gossip may still be spreading a
       * change), slotctl's check and info; and every key written is still there with its value.
       */
      async function judged(): Promise<void> {
        await waitForReferenceCheck(a().address)
        let check: CliResult | undefined
        // A node just added says cluster_state:fail until gossip brings it the slots; redis-cli does not look.
        await waitFor('slotctl check to say healthy', async () => {
          check = await runCli(['check', a().address, '--json'])
          return check.status === 0
        }).catch(() => assert.fail(`${check?.stdout}\n${check?.stderr}`))
        assert.equal(jsonOf<{healthy: boolean}>(check!).healthy, true, check!.stdout)
        const info = await runCli(['info', a().address, '--json'])
        assert.equal(info.status, 0, info.stderr)
        assert.equal(jsonOf<{totals: {keys: number}}>(info).totals.keys, keysBefore?.keys ?? 0, info.stdout)
        if (keysBefore) assert.deepEqual(await checksum(await masters()), keysBefore)
      }

      /** Makes c's `slot` uncovered (its keys stay where they are) and shows redis-cli's check sees it. */
      async function uncover(slot: number): Promise<void> {
        // The owner first: once it stops claiming the slot, gossip gives it to nobody.
        for (const node of [c(), a(), b()]) await call(node, 'CLUSTER', 'DELSLOTS', slot)
        const broken = await redisCli(['--cluster', 'check', a().address])
        assert.match(broken.output, /Not all 16384 slots are covered/)
      }

      it('create on fresh nodes, then keys of every type written', async (t) => {
        if (!requireRedisServer(t)) return
        const output = await succeeds(['--cluster', 'create', a().address, b().address, c().address, '--cluster-yes'])
        assert.match(output, /\[OK\] All 16384 slots covered/)
        await judged()
        await seedKeys(a(), KEYS)
        keysBefore = await checksum(await masters())
        assert.equal(keysBefore.keys, KEYS)
        await judged()
      })

      it('add-node: a new empty master', async (t) => {
        if (!requireRedisServer(t)) return
        assert.match(await succeeds(['--cluster', 'add-node', d().address, a().address]), /New node added correctly/)
        await waitFor('a to know d', async () => (await lineOf(d)) !== undefined)
        await judged()
        assert.deepEqual((await lineOf(d))!.flags, ['master'])
      })

      it('add-node --cluster-slave: a replica of the new master', async (t) => {
        if (!requireRedisServer(t)) return
        const args = [
          '--cluster',
          'add-node',
          e().address,
          a().address,
          '--cluster-slave',
          '--cluster-master-id',
          id(d),
        ]
        assert.match(await succeeds(args), /Configure node as replica/)
        await waitFor('a to see e as d replica', async () => (await lineOf(e))?.master === id(d))
        await judged()
      })

      it('rebalance --cluster-use-empty-masters gives the new master its share', async (t) => {
        if (!requireRedisServer(t)) return
        await succeeds(['--cluster', 'rebalance', a().address, '--cluster-use-empty-masters'])
        await judged()
        const shares = await Promise.all([a, b, c, d].map(async (node) => (await lineOf(node))!.slots))
        for (const share of shares) assert.ok(Math.abs(share - 4096) <= 2, `slots per master: ${shares.join(', ')}`)
      })

      it('reshard 500 slots from all masters to one', async (t) => {
        if (!requireRedisServer(t)) return
        const before = (await lineOf(b))!.slots
        const args = ['--cluster-from', 'all', '--cluster-to', id(b), '--cluster-slots', '500', '--cluster-yes']
        const output = await succeeds(['--cluster', 'reshard', a().address, ...args])
        await judged()
        // redis-cli rounds each source's share down (but the first's), so it may move a few slots less than asked.
        const moved = output.match(/^Moving slot \d+ from /gm)?.length ?? 0
        assert.ok(moved > 490, output)
        assert.equal((await lineOf(b))!.slots, before + moved)
      })

      it('reshard a master empty: it and its replica follow the master that took its last slot', async (t) => {
        if (!requireRedisServer(t)) return
        const slots = String((await lineOf(d))!.slots)
        const args = ['--cluster-from', id(d), '--cluster-to', id(a), '--cluster-slots', slots, '--cluster-yes']
        await succeeds(['--cluster', 'reshard', a().address, ...args])
        // Redis 7.0 (cluster-allow-replica-migration yes): a master that gives its last slot away replicates the
        // receiver, and so does its replica.
        await waitFor('d and e to replicate a', async () => {
          const lines = await view()
          return [d, e].every((node) => lines.find((line) => line.id === id(node))?.master === id(a))
        })
        await judged()
        assert.equal((await lineOf(d))!.slots, 0)
      })

      it('del-node of the emptied master, then of the replica', async (t) => {
        if (!requireRedisServer(t)) return
        for (const node of [d, e]) {
          assert.match(await succeeds(['--cluster', 'del-node', a().address, id(node)]), /RESET SOFT/)
          await waitFor('a to forget the node', async () => (await lineOf(node)) === undefined)
          await judged()
          assert.match(String(await call(node(), 'CLUSTER', 'INFO')), /cluster_known_nodes:1\r\n/)
        }

        assert.equal((await view()).length, 3)
      })

      it('fix: a slot left half moved (migrating on its owner, importing on another node) is closed', async (t) => {
        if (!requireRedisServer(t)) return
        const slot = await slotWithKeysOf(a())
        await call(b(), 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', id(a))
        await call(a(), 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', id(b))
        const [first] = (await call(a(), 'CLUSTER', 'GETKEYSINSLOT', slot, 1)) as string[]
        assert.equal(await call(a(), 'MIGRATE', b().host, b().port, '', 0, 5000, 'KEYS', first!), 'OK')
        const broken = await redisCli(['--cluster', 'check', a().address])
        assert.notEqual(broken.status, 0, broken.output)
        // Keys on both sides make two owners for redis-cli: the one with most keys keeps the slot and gets the others.
        const output = await succeeds(['--cluster', 'fix', a().address])
        assert.match(output, /Case 2: Moving all the \d+ slot keys to its owner/)
        await judged()
        assert.ok((await ownSlots(a())).has(slot))
      })

      it('fix: a slot left migrating on its owner and importing on another node, no key moved yet, is moved', async (t) => {
        if (!requireRedisServer(t)) return
        const slot = await slotWithKeysOf(a())
        await call(b(), 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', id(a))
        await call(a(), 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', id(b))
        assert.match(await succeeds(['--cluster', 'fix', a().address]), /Case 1: Moving slot/)
        await judged()
        assert.ok((await ownSlots(b())).has(slot))
      })

      it('fix: an uncovered slot with keys on one master is given back to it', async (t) => {
        if (!requireRedisServer(t)) return
        const slot = await slotWithKeysOf(c())
        await uncover(slot)
        const output = await succeeds(['--cluster', 'fix', a().address], 'yes\n')
        assert.match(output, /uncovered slots have keys in just one node/)
        await judged()
        assert.ok((await ownSlots(c())).has(slot))
      })

      it('fix: an uncovered slot with keys on two masters goes to the one with most, with every key', async (t) => {
        if (!requireRedisServer(t)) return
        const slot = await slotWithKeysOf(c())
        // One more key of the slot, on b: written while b imports the slot, as a half-done move leaves it.
        let n = 0
        while (keyHashSlot(`stray:${n}`) !== slot) n++
        await call(b(), 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', id(c))
        await withClient(b(), (client) => client.pipeline().call('ASKING').set(`stray:${n}`, 'v').exec())
        await call(b(), 'CLUSTER', 'SETSLOT', slot, 'STABLE')
        await uncover(slot)
        const output = await succeeds(['--cluster', 'fix', a().address], 'yes\n')
        assert.match(output, /uncovered slots have keys in multiple nodes/)
        assert.equal(await call(c(), 'GET', `stray:${n}`), 'v')
        await call(c(), 'DEL', `stray:${n}`)
        await judged()
        assert.ok((await ownSlots(c())).has(slot))
      })

      it('set-timeout sets cluster-node-timeout everywhere; call reaches every node', async (t) => {
        if (!requireRedisServer(t)) return
        assert.match(await succeeds(['--cluster', 'set-timeout', a().address, '3000']), /New node timeout set/)
        for (const node of [a(), b(), c()]) {
          assert.deepEqual(await call(node, 'CONFIG', 'GET', 'cluster-node-timeout'), ['cluster-node-timeout', '3000'])
        }

        const output = await succeeds(['--cluster', 'call', a().address, 'DBSIZE'])
        const sizes = [...output.matchAll(/^\S+: (\d+)$/gm)].map((match) => Number(match[1]))
        assert.equal(sizes.length, 3, output)
        assert.equal(
          sizes.reduce((sum, size) => sum + size, 0),
          KEYS,
        )
        await judged()
      })
    },
  )
}

/** The slots `node` owns in its own view. */
async function ownSlots(node: TestNode): Promise<Set<number>> {
  const self = parseClusterNodes(String(await call(node, 'CLUSTER', 'NODES'))).find((line) => isMyself(line))!
  return new Set(self.slots.flatMap(({end, start}) => Array.from({length: end - start + 1}, (_, i) => start + i)))
}

/** The slot `node` owns with the most keys in it (a fix then has keys to move). */
async function slotWithKeysOf(node: TestNode): Promise<number> {
  const owned = await ownSlots(node)
  const counts = new Map<number, number>()
  for (const key of (await call(node, 'KEYS', '*')) as string[]) {
    const slot = keyHashSlot(key)
    if (owned.has(slot)) counts.set(slot, (counts.get(slot) ?? 0) + 1)
  }

  const [busiest] = [...counts].sort(([, x], [, y]) => y - x)
  assert.ok(busiest && busiest[1] > 1, `no slot with keys on ${node.address}`)
  return busiest[0]
}
