/**
 * The embedded node (and so its daemon) depends on Node's own modules, itself and the pure pieces DESIGN.md lets it
 * share: the key-slot function and the RESP command encoder. Those import nothing themselves.
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {test} from 'node:test'

const ROOT = resolve('src/embedded')
const ALLOWED_OUTSIDE = new Set([resolve('src/cluster/keyslot.ts'), resolve('src/redis/resp.ts')])

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

test('src/embedded imports nothing outside itself but node: modules, src/cluster/keyslot.ts and src/redis/resp.ts', () => {
  const offending: string[] = []
  for (const file of sources(ROOT)) {
    for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*?from '([^']+)'/gm)) {
      if (specifier.startsWith('node:')) continue
      const target = specifier.startsWith('.') ? resolve(dirname(file), specifier.replace(/\.js$/, '.ts')) : specifier
      if (target.startsWith(`${ROOT}/`) || ALLOWED_OUTSIDE.has(target)) continue
      offending.push(`${relative(ROOT, file)} -> ${specifier}`)
    }
  }

  assert.deepEqual(offending, [])
})

test('the pieces src/embedded shares import nothing', () => {
  for (const file of ALLOWED_OUTSIDE) assert.doesNotMatch(readFileSync(file, 'utf8'), /^import /m, file)
})
