/** `slotctl create` on real server nodes (SLOTCTL_TEST_SERVER) over three loopback hosts. */
import {clientBinary, SERVER_NAME, startRedisServer} from '../helpers/servers.js'
import {createScenarios} from './create-scenarios.js'

createScenarios({cli: clientBinary(), name: SERVER_NAME, start: (host) => startRedisServer({host})})
