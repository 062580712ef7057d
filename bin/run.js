#!/bin/sh
':' //; case "$1" in check | info | keyslot | -v | --version) case " $* " in *' --tls'*) ;; *) unset NODE_EXTRA_CA_CERTS ;; esac ;; esac
':' //; exec node "$0" "$@"
// The two lines above are for /bin/sh, which runs this file first; Node.js reads them as no-op strings.
// Why a shell: Node.js 20 reads every certificate in NODE_EXTRA_CA_CERTS before it runs any JavaScript
// (~65 ms with a system CA bundle, a third of check's time), and CI and corporate machines set it for
// every process. check, info, keyslot and --version make no TLS connection without --tls and start no
// other program, so for them the shell drops the variable; every other command line keeps it.
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
