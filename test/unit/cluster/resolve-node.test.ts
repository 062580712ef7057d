import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseClusterNodes} from '../../../src/cluster/nodes.js'
import {resolveMaster, resolveNode} from '../../../src/cluster/resolve-node.js'

const members = parseClusterNodes(
  [
    'abc1230000000000000000000000000000000001 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
    'abc4560000000000000000000000000000000002 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-16383',
    'def7890000000000000000000000000000000003 127.0.0.1:7002@17002 slave abc1230000000000000000000000000000000001 0 0 1 connected',
  ].join('\n'),
)

describe('resolveNode', () => {
  it('accepts a full id, a unique prefix or host:port', () => {
    assert.equal(resolveNode(members, 'abc4560000000000000000000000000000000002', '--to').port, 7001)
    assert.equal(resolveNode(members, 'abc4', '--to').port, 7001)
    assert.equal(resolveNode(members, 'DEF', '--to').port, 7002)
    assert.equal(resolveNode(members, '127.0.0.1:7000', '--to').port, 7000)
  })

  it('names the flag and the candidates when a prefix is ambiguous or unknown', () => {
    assert.throws(
      () => resolveNode(members, 'abc', '--to'),
      (error: Error & {code?: string}) => {
        assert.match(error.message, /--to abc matches 2 nodes: 127\.0\.0\.1:7000 \(abc12300\), 127\.0\.0\.1:7001/)
        return error.code === 'AMBIGUOUS_NODE'
      },
    )
    assert.throws(() => resolveNode(members, '127.0.0.1:9999', '--from'), /--from 127\.0\.0\.1:9999 is not a node/)
    assert.throws(() => resolveNode(members, 'zzz', '--from'), {code: 'UNKNOWN_NODE'})
  })

  it('resolveMaster refuses a replica', () => {
    assert.throws(() => resolveMaster(members, 'def7', '--to'), /a replica; it must be a master/)
    assert.equal(resolveMaster(members, 'abc1', '--to').port, 7000)
  })
})
