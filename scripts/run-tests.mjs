// Runs node's test runner over the given *.test.ts files and every one below the given folders.
// Node 20's --test takes no globs, so the files are listed here.
//
// Integration files (test/integration) run once per server in SLOTCTL_TEST_SERVERS (default `redis-server
// valkey-server`; SLOTCTL_TEST_SERVER set on its own means that one server only), each pass with
// SLOTCTL_TEST_SERVER set for test/helpers/servers.ts. Embedded nodes do not depend on the server, so they run in
// the first pass only: later passes get SLOTCTL_TEST_EMBEDDED=0 (the lifecycle engines list drops them) and leave
// out the embedded-only files, by one rule (EMBEDDED_ONLY). Passes run side by side (SLOTCTL_TEST_SEQUENTIAL=1 runs
// them one after the other); the first prints as it goes, the others print when it is done, each with its own TAP
// closing lines. The exit code is non-zero when any pass fails.
import {spawn, spawnSync} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import {join, sep} from 'node:path'

function testFiles(dir) {
  if (dir.endsWith('.test.ts') && statSync(dir).isFile()) return [dir]
  let found = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found = found.concat(testFiles(path))
    else if (name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

/** Files that test embedded nodes only: test/integration/embedded/* and *-embedded.test.ts. */
const EMBEDDED_ONLY = /(^|[/\\])embedded[/\\]|-embedded\.test\.ts$/
const isIntegration = (file) => file.split(sep).join('/').includes('test/integration/')

const dirs = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('--'))
const files = dirs.flatMap((dir) => {
  try {
    return testFiles(dir)
  } catch {
    return []
  }
})
if (files.length === 0) {
  console.error(`no test files under ${dirs.join(', ')}`)
  process.exit(1)
}

const servers = process.env.SLOTCTL_TEST_SERVER
  ? [process.env.SLOTCTL_TEST_SERVER]
  : (process.env.SLOTCTL_TEST_SERVERS ?? 'redis-server valkey-server').split(/\s+/).filter(Boolean)
const integration = files.some(isIntegration)
const sequential = process.env.SLOTCTL_TEST_SEQUENTIAL === '1' || !integration

/** The passes to run: all files once, or, with integration files, once per server whose binary is here. */
const passes = []
let missing = false
const installed = (integration ? servers : [undefined]).filter((server) => {
  if (!server || spawnSync(server, ['--version']).status === 0) return true
  if (process.env.CI) {
    console.error(`# ${server} is not installed: its pass fails (CI runs every server)`)
    missing = true
  } else console.log(`# skipping the ${server} pass: ${server} is not installed`)
  return false
})
// With no server at all, one pass still runs: embedded nodes need none, and the server tests skip saying so.
for (const [index, server] of (installed.length > 0 || missing ? installed : servers.slice(0, 1)).entries()) {
  const embedded = index === 0 && process.env.SLOTCTL_TEST_EMBEDDED !== '0'
  // Unit files run in the first pass only; embedded-only files only where embedded nodes are on.
  const own = files.filter((file) => (index === 0 || isIntegration(file)) && (embedded || !EMBEDDED_ONLY.test(file)))
  const dropped = files.filter((file) => isIntegration(file) && !own.includes(file)).length
  if (!embedded && dropped > 0)
    console.log(`# ${server}: ${dropped} embedded-only files skipped (run in the first pass)`)
  if (own.length > 0) passes.push({embedded, files: own, server})
}

const concurrency = process.env.TEST_CONCURRENCY ?? (!sequential && passes.length > 1 ? '2' : '3')
// A hung test fails after ten minutes instead of holding CI until its deadline. Not --test-force-exit: with
// several files at once it drops the verdicts a file had not yet reported and still exits 0 (nodejs/node#64833);
// CI lost 15 tests that way. A file kept alive by a leaked handle meets the whole run's limit instead.
const runLimitMs = Number(process.env.TEST_RUN_LIMIT_MS ?? 30 * 60_000)

/** Runs one pass; `live` prints as it goes, otherwise the output is kept for `print`. */
function run(pass, live) {
  const started = Date.now()
  const env = {...process.env, FORCE_COLOR: '0', NODE_NO_WARNINGS: '1'}
  if (pass.server) {
    env.SLOTCTL_TEST_SERVER = pass.server
    if (!pass.embedded) env.SLOTCTL_TEST_EMBEDDED = '0'
  }

  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=600000',
      // TAP for the record; each failure's cause once more at the very end (scripts/failure-summary.mjs).
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      `--test-reporter=${new URL('failure-summary.mjs', import.meta.url).href}`,
      '--test-reporter-destination=stderr',
      ...passThrough,
      ...pass.files,
    ],
    {env, stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe']},
  )
  const out = []
  const err = []
  child.stdout?.on('data', (chunk) => out.push(chunk))
  child.stderr?.on('data', (chunk) => err.push(chunk))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, runLimitMs)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({
        ...pass,
        code: code ?? 1,
        output: Buffer.concat(out).toString(),
        print() {
          process.stdout.write(this.output)
          process.stderr.write(Buffer.concat(err).toString())
        },
        seconds: (Date.now() - started) / 1000,
        timedOut,
      })
    })
  })
}

const label = (pass) =>
  pass.server
    ? `${pass.server}${pass.embedded ? '' : ' (SLOTCTL_TEST_EMBEDDED=0)'}, ${pass.files.length} file${pass.files.length === 1 ? '' : 's'}`
    : ''
const results = []
if (sequential) {
  for (const pass of passes) {
    if (pass.server) console.log(`# pass: ${label(pass)}`)
    // eslint-disable-next-line no-await-in-loop
    results.push(await run(pass, true))
  }
} else {
  console.log(`# ${passes.length} passes side by side: ${passes.map(label).join('; ')}; later ones print when done`)
  const running = passes.map((pass, i) => run(pass, i === 0))
  results.push(await running[0])
  for (const later of running.slice(1)) {
    // eslint-disable-next-line no-await-in-loop
    const done = await later
    console.log(`\n# pass: ${label(done)}`)
    done.print()
    results.push(done)
  }
}

for (const result of results) {
  if (result.timedOut) {
    console.error(
      `\n${result.server ?? 'tests'}: stopped after ${runLimitMs / 60_000} min: a test file did not exit (a leaked server or socket?)`,
    )
  }
}

if (results.length > 1) {
  console.log('\n# passes:')
  for (const r of results) console.log(`#   ${r.server}: exit ${r.code}, ${r.seconds.toFixed(0)} s`)
}

process.exit(missing || results.some((result) => result.code !== 0) ? 1 : 0)
