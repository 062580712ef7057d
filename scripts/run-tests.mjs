// Runs node's test runner over the given *.test.ts files and every one below the given folders.
// Node 20's --test takes no globs, so the files are listed here.
import {spawnSync} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

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

const concurrency = process.env.TEST_CONCURRENCY ?? '3'
// A hung test fails after ten minutes instead of holding CI until its deadline. Not --test-force-exit: with
// several files at once it drops the verdicts a file had not yet reported and still exits 0 (nodejs/node#64833);
// CI lost 15 tests that way. A file kept alive by a leaked handle meets the whole run's limit instead.
const runLimitMs = Number(process.env.TEST_RUN_LIMIT_MS ?? 30 * 60_000)
const result = spawnSync(
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
    ...files,
  ],
  {
    env: {...process.env, FORCE_COLOR: '0', NODE_NO_WARNINGS: '1'},
    killSignal: 'SIGKILL',
    stdio: 'inherit',
    timeout: runLimitMs,
  },
)
if (result.error) {
  console.error(
    `\ntests stopped after ${runLimitMs / 60_000} min: a test file did not exit (a leaked server or socket?)`,
  )
}

process.exit(result.status ?? 1)
