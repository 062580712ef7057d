import {engines} from '../helpers/lifecycle.js'
import {rebalanceScenarios} from './rebalance-scenarios.js'

rebalanceScenarios(engines.find((engine) => engine.name === 'redis-server')!)
