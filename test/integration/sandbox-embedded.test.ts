/** `slotctl sandbox --engine embedded`: the same life cycle on the nodes built into slotctl. */
import {sandboxScenarios} from './sandbox-scenarios.js'

sandboxScenarios({name: 'embedded', noFailover: 'embedded nodes do not detect failures or fail over yet'})
