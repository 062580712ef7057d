// Bundles each command (and the embedded node's daemon) into dist/ with esbuild.
// Why: loading ioredis, chalk and cli-table3 as hundreds of small CommonJS files cost most of
// `check`'s start-up; one pre-linked chunk loads several times faster. @oclif/core stays external
// so that oclif's own class checks see a single copy of it.
import {build} from 'esbuild'
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

function entries(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return entries(path)
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : []
  })
}

const common = {
  banner: {
    js: "import {createRequire as __slotctlRequire} from 'node:module'; const require = __slotctlRequire(import.meta.url);",
  },
  bundle: true,
  format: 'esm',
  logLevel: 'warning',
  platform: 'node',
  sourcemap: true,
  target: 'node20',
}

await build({
  ...common,
  chunkNames: 'chunks/[name]-[hash]',
  // The daemon runs embedded nodes in a detached process; it is a program of its own.
  entryPoints: [...entries('src/commands'), ...entries('src/hooks'), 'src/index.ts', 'src/embedded/daemon.ts'],
  external: ['@oclif/core', '@inquirer/prompts'],
  outbase: 'src',
  outdir: 'dist',
  splitting: true,
})

// The express lane (src/express) in two single files, no shared chunks: its entry decides whether the
// command line is its own, then loads run.js, which holds everything check, info and keyslot need.
// Every extra module file costs start-up time (resolution, reading, compiling) that these commands feel.
await build({...common, entryPoints: ['src/express/run.ts'], outfile: 'dist/express/run.js'})
await build({
  ...common,
  entryPoints: ['src/express/index.ts'],
  external: ['./run.js'],
  outfile: 'dist/express/index.js',
})
