import assert from 'node:assert/strict'
import {afterEach, describe, it} from 'node:test'

import {type ManifestCommand, parseExpress} from '../../../src/express/parse.js'

// Shaped as oclif writes commands into oclif.manifest.json: one flag of each kind the express lane meets.
const command: ManifestCommand = {
  args: {address: {required: true}},
  flags: {
    'connect-timeout': {default: 3000, name: 'connect-timeout', type: 'option'},
    engine: {default: 'embedded', name: 'engine', options: ['embedded', 'redis-server'], type: 'option'},
    json: {allowNo: false, name: 'json', type: 'boolean'},
    password: {char: 'a', env: 'SLOTCTL_TEST_AUTH', name: 'password', type: 'option'},
    tls: {default: false, env: 'SLOTCTL_TEST_TLS', name: 'tls', type: 'boolean'},
    weight: {multiple: true, name: 'weight', type: 'option'},
  },
}

afterEach(() => {
  delete process.env.SLOTCTL_TEST_AUTH
  delete process.env.SLOTCTL_TEST_TLS
})

describe('express lane parser', () => {
  it('reads positionals, booleans and string flags in every plain spelling, and fills in defaults', () => {
    assert.deepEqual(parseExpress(command, ['127.0.0.1:7000', '--json', '-a', 's3cret']), {
      argv: ['127.0.0.1:7000'],
      flags: {'connect-timeout': 3000, engine: 'embedded', json: true, password: 's3cret', tls: false},
    })
    assert.equal(parseExpress(command, ['--password=a=b', '127.0.0.1:7000'])?.flags.password, 'a=b')
    assert.equal(parseExpress(command, ['--engine', 'redis-server', 'x'])?.flags.engine, 'redis-server')
  })

  it('takes a string flag from its environment variable when it is not given', () => {
    process.env.SLOTCTL_TEST_AUTH = 'from-env'
    assert.equal(parseExpress(command, ['127.0.0.1:7000'])?.flags.password, 'from-env')
    assert.equal(parseExpress(command, ['127.0.0.1:7000', '-a', 'given'])?.flags.password, 'given')
  })

  it('declines every form it cannot be sure of, leaving it to oclif', () => {
    const declined = [
      [], // a missing required argument
      ['a', 'b'], // more arguments than declared
      ['x', '--help'], // not a flag of the command
      ['x', '--connect-timeout', '100'], // an integer flag: oclif parses and bounds it
      ['x', '--engine', 'docker'], // a value outside the flag's options
      ['x', '--weight', 'a=1'], // a repeatable flag
      ['x', '--json', '--json'], // given twice
      ['x', '--json=true'], // a boolean with a value
      ['x', '-as3cret'], // a short flag with its value attached
      ['x', '-a'], // a flag without its value
      ['x', '-a', '--json'], // a value that looks like a flag
      ['x', '--', '--json'], // the end-of-flags marker
      ['x', '--no-json'], // a negation
    ]
    for (const words of declined) assert.equal(parseExpress(command, words), undefined, words.join(' '))
  })

  it('declines a boolean flag set through its environment variable (oclif decides what counts as true)', () => {
    process.env.SLOTCTL_TEST_TLS = 'yes'
    assert.equal(parseExpress(command, ['127.0.0.1:7000']), undefined)
  })

  it('accepts any number of positionals for a command that is not strict', () => {
    const loose: ManifestCommand = {...command, strict: false}
    assert.deepEqual(parseExpress(loose, ['a', 'b', 'c'])?.argv, ['a', 'b', 'c'])
    assert.equal(parseExpress(loose, []), undefined)
  })
})
