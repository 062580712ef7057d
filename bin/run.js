#!/usr/bin/env node
// check, info, keyslot and --version take the express lane, which does not load @oclif/core
// (see src/express/index.ts); everything else, and whatever the express lane declines, goes to oclif.
const {runExpress} = await import('../dist/express/index.js')

if (await runExpress(process.argv.slice(2), new URL('../oclif.manifest.json', import.meta.url))) {
  // Done and every connection closed: exit once the output is written, without waiting for the
  // closed sockets' last events (tens of milliseconds).
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))),
  )
  process.exit()
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
