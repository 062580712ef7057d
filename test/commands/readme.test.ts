import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The part of a README between oclif's command markers (each alone on its line: oclif's log line names one too). */
const commandSection = (text: string) => /^<!-- commands -->$[\s\S]*^<!-- commandsstop -->$/m.exec(text)?.[0]

describe('README', () => {
  it('has the command reference oclif generates from the built commands (run `npm run readme` after changing one)', () => {
    const generated = execFileSync('npx', ['oclif', 'readme', '--no-aliases', '--no-source-links', '--dry-run'], {
      cwd: root,
      encoding: 'utf8',
      env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'},
    })
    const committed = readFileSync(`${root}/README.md`, 'utf8')
    assert.ok(commandSection(generated), 'oclif readme printed no command section')
    assert.equal(commandSection(committed), commandSection(generated))
  })

  it('names the test command and a quick start that starts and checks a sandbox', () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8')
    assert.match(readme, /^npm test$/m)
    assert.match(readme, /sandbox up && .*check 127\.0\.0\.1:30001/)
  })
})
