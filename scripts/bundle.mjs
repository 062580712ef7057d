// Bundles each command (and the embedded node's daemon) into dist/ with esbuild.
// The build goes to a directory of its own next to dist/ and is renamed into place when complete, so
// that a test or a command run during a build finds the old build or the new one, never a partial one.
// Why: loading ioredis, chalk and cli-table3 as hundreds of small CommonJS files cost most of
// `check`'s start-up; one pre-linked chunk loads several times faster. @oclif/core stays external
// so that oclif's own class checks see a single copy of it.
import {Plugin} from '@oclif/core'
import {build} from 'esbuild'
import {readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
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

async function bundle(outdir) {
  await build({
    ...common,
    chunkNames: 'chunks/[name]-[hash]',
    // The daemon runs embedded nodes in a detached process; it is a program of its own.
    entryPoints: [...entries('src/commands'), ...entries('src/hooks'), 'src/index.ts', 'src/embedded/daemon.ts'],
    external: ['@oclif/core', '@inquirer/prompts'],
    outbase: 'src',
    outdir,
    splitting: true,
  })

  // The express lane (src/express) in two single files, no shared chunks: its entry decides whether the
  // command line is its own, then loads run.js, which holds everything check, info and keyslot need.
  // Every extra module file costs start-up time (resolution, reading, compiling) that these commands feel.
  await build({...common, entryPoints: ['src/express/run.ts'], outfile: join(outdir, 'express/run.js')})
  await build({
    ...common,
    entryPoints: ['src/express/index.ts'],
    external: ['./run.js'],
    outfile: join(outdir, 'express/index.js'),
  })
}

// Each rename is atomic; only a path looked up in the instant between the two can miss.
function swapIntoPlace(newBuild, dist) {
  const previous = `${newBuild}-previous`
  try {
    renameSync(dist, previous)
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  renameSync(newBuild, dist)
  rmSync(previous, {force: true, recursive: true})
}

const outdir = `dist.tmp-${process.pid}`
try {
  await bundle(outdir)
} catch (error) {
  rmSync(outdir, {force: true, recursive: true})
  throw error
}
swapIntoPlace(outdir, 'dist')

// oclif reads the manifest (every command with its flags) instead of loading each command to find one. It is
// written beside the old one and renamed over it, as `oclif manifest` does not: that deletes the old file
// first, so a command started in between ran without one.
async function writeManifest() {
  const plugin = new Plugin({
    errorOnManifestCreate: true,
    ignoreManifest: true,
    respectNoCacheDefault: true,
    root: process.cwd(),
    type: 'core',
  })
  await plugin.load()
  const next = `oclif.manifest.json.tmp-${process.pid}`
  writeFileSync(next, JSON.stringify(plugin.manifest, null, 2))
  renameSync(next, 'oclif.manifest.json')
}

await writeManifest()
