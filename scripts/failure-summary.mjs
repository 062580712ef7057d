// A node:test reporter that prints, after the whole run, each failure with its file and its cause, the failed
// hook's error included. The TAP report puts a suite's cause far from the end of a long log, and CI's
// report of a red run showed only part of it: a suite lost to its before hook once left no cause to read.
// Failures that only repeat another are left out: tests cancelled because their parent failed, and suites
// whose subtests failed.
const REPEATS = new Set(['cancelledByParent', 'subtestsFailed'])

export default async function* failureSummary(source) {
  const failures = []
  for await (const event of source) {
    if (event.type !== 'test:fail') continue
    const {details, file, name} = event.data
    const error = details.error
    if (REPEATS.has(error?.failureType)) continue
    const cause = error?.cause ?? error
    const why = error?.failureType === 'hookFailed' ? `${error.message}: ` : ''
    failures.push(`✖ ${file ?? '?'}\n  ${name}\n  ${why}${String(cause?.message ?? cause).trim().replaceAll('\n', '\n  ')}`)
  }

  if (failures.length > 0) yield `\n# ${failures.length} failed (causes below)\n${failures.join('\n')}\n`
}
