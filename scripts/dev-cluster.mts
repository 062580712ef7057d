import {startCluster} from '../test/helpers/cluster.js'
const c = await startCluster({masters: 3, replicas: 1})
console.log(c.nodes.map(n => n.address).join(' '))
await new Promise(() => {})
