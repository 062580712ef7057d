#!/usr/bin/env node
// check, info, keyslot and --version take the express lane, which does not load @oclif/core
// (see src/express/index.ts); everything else, and whatever the express lane declines, goes to oclif.
const {runExpress} = await import('../dist/express/index.js')

if (!(await runExpress(process.argv.slice(2), new URL('../oclif.manifest.json', import.meta.url)))) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
