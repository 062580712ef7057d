#!/bin/sh
':' //; case " $* " in *' --tls'* | *' watch '*) ;; *) unset NODE_EXTRA_CA_CERTS ;; esac
':' //; exec node "$0" "$@"
// The two lines above are for /bin/sh, which runs this file first; Node.js reads them as no-op strings.
// Why a shell: Node.js 20 reads every certificate in NODE_EXTRA_CA_CERTS before it runs any JavaScript
// (~65 ms with a system CA bundle, half of check's time), and CI and corporate machines set it for
// every process. No slotctl command makes a TLS connection without --tls, so the shell drops the variable
// unless --tls is given, or watch, whose --exec hooks are the user's programs and may need it (the word
// watch anywhere keeps it: a key of that name only costs the 65 ms).
// `node bin/run.js ...` works too, paying for the certificates.

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
