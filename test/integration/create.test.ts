/** `slotctl create` on real redis-server nodes over three loopback hosts. */
import {startRedisServer} from '../helpers/servers.js'
import {createScenarios} from './create-scenarios.js'

createScenarios({name: 'redis-server', start: (host) => startRedisServer({host})})
