// Bundles each command (and the embedded node's daemon) into dist/ with esbuild.
// Why: loading ioredis, chalk and cli-table3 as hundreds of small CommonJS files cost most of
// `check`'s start-up; one pre-linked chunk loads several times faster. @oclif/core stays external
// so that oclif's own class checks see a single copy of it.
import {build} from 'esbuild'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

function entries(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return entries(path)
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : []
  })
}

await build({
  banner: {js: "import {createRequire as __slotctlRequire} from 'node:module'; const require = __slotctlRequire(import.meta.url);"},
  bundle: true,
  chunkNames: 'chunks/[name]-[hash]',
  // The daemon runs embedded nodes in a detached process; it is a program of its own.
  entryPoints: [...entries('src/commands'), ...entries('src/hooks'), 'src/index.ts', 'src/express/index.ts', ...['src/embedded/daemon.ts'].filter((path) => existsSync(path))],
  external: ['@oclif/core', '@inquirer/prompts'],
  format: 'esm',
  logLevel: 'warning',
  outbase: 'src',
  outdir: 'dist',
  platform: 'node',
  sourcemap: true,
  splitting: true,
  target: 'node20',
})
