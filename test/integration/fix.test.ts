import {serverEngine} from '../helpers/lifecycle.js'
import {fixScenarios} from './fix-scenarios.js'

fixScenarios(serverEngine)
