/** `slotctl create` on embedded nodes (running in this test process) over three loopback hosts. */
import {startEmbeddedNode} from '../../src/embedded/node.js'
import {freePort} from '../helpers/servers.js'
import {createScenarios, type TestNode} from './create-scenarios.js'

/** An embedded node in this process, on a free port of `host`. */
async function startEmbedded(host: string): Promise<TestNode> {
  const node = await startEmbeddedNode({host, nodeTimeoutMs: 2000, port: await freePort(host)})
  return {address: `${node.host}:${node.port}`, stop: () => node.close()}
}

createScenarios({name: 'embedded', start: startEmbedded})
