import {engines} from '../helpers/lifecycle.js'
import {fixScenarios} from './fix-scenarios.js'

fixScenarios(engines.find((engine) => engine.name === 'embedded')!)
