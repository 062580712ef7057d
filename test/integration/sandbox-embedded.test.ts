/** `slotctl sandbox --engine embedded`: the same life cycle on the nodes built into slotctl. */
import {sandboxScenarios} from './sandbox-scenarios.js'

sandboxScenarios({name: 'embedded'})
