import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compareAddresses} from '../../../src/cluster/address.js'
import {masters, mastersBySlot} from '../../../src/cluster/snapshot.js'
import {snapshotFromFixture} from '../../helpers/fixtures.js'

describe('the order tables and --json list nodes in', () => {
  it('masters by their first slot, whatever the order discovery read them in', () => {
    const snapshot = snapshotFromFixture('healthy-3x1')
    const reversed = {...snapshot, nodes: [...snapshot.nodes].reverse()}
    const firstSlots = mastersBySlot(snapshot).map((master) => master.self.slots[0]!.start)
    assert.deepEqual(firstSlots, [...firstSlots].sort((a, b) => a - b))
    assert.equal(firstSlots[0], 0)
    assert.deepEqual(
      mastersBySlot(reversed).map((master) => master.self.id),
      mastersBySlot(snapshot).map((master) => master.self.id),
    )

    assert.equal(masters(snapshot).length, 3, 'masters() keeps discovery order for the planners')
  })

  it('addresses by host, then by port as a number', () => {
    const sorted = ['127.0.0.2:7000', '127.0.0.1:30010', '[::1]:7000', '127.0.0.1:30002'].sort(compareAddresses)
    assert.deepEqual(sorted, ['127.0.0.1:30002', '127.0.0.1:30010', '127.0.0.2:7000', '[::1]:7000'])
  })
})
