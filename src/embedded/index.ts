/** The embedded Redis Cluster node: a programmatic API for the sandbox and for tests. */
export {type EmbeddedNode, type EmbeddedNodeOptions, startEmbeddedNode} from './node.js'
