import {serverEngine} from '../helpers/lifecycle.js'
import {rebalanceScenarios} from './rebalance-scenarios.js'

rebalanceScenarios(serverEngine)
