/**
 * The express lane's argument parser: it reads the flag definitions oclif wrote into its manifest and
 * accepts only the plain forms whose meaning is beyond doubt (`--flag`, `--flag value`, `--flag=value`,
 * `-c value`, positionals). For anything else it declines (returns undefined) and the full oclif path
 * parses the command line, so every error message and every unusual form stays oclif's.
 */

export type ManifestFlag = {
  allowNo?: boolean
  char?: string
  default?: unknown
  env?: string
  multiple?: boolean
  name: string
  options?: string[]
  type: 'boolean' | 'option'
}

export type ManifestCommand = {
  args: Record<string, {required?: boolean}>
  flags: Record<string, ManifestFlag>
  strict?: boolean
}

export type FlagValues = Record<string, boolean | number | string>

export type ParsedInput = {argv: string[]; flags: FlagValues}

export function parseExpress(command: ManifestCommand, words: string[]): ParsedInput | undefined {
  const given = new Map<string, boolean | string>()
  const argv: string[] = []
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    if (!word.startsWith('-')) {
      argv.push(word)
      continue
    }

    const read = readFlag(command, word, words[index + 1])
    if (read === undefined || given.has(read.flag.name)) return undefined
    given.set(read.flag.name, read.value)
    if (read.tookNext) index++
  }

  if (!argumentCountFits(command, argv.length)) return undefined
  const flags = withDefaults(command, given)
  return flags && {argv, flags}
}

type FlagRead = {flag: ManifestFlag; tookNext: boolean; value: boolean | string}

function readFlag(command: ManifestCommand, word: string, next: string | undefined): FlagRead | undefined {
  const [spelled, inline] = splitInlineValue(word)
  const flag = spelled.startsWith('--')
    ? command.flags[spelled.slice(2)]
    : Object.values(command.flags).find((candidate) => candidate.char !== undefined && `-${candidate.char}` === spelled)
  if (flag === undefined || flag.multiple) return undefined
  if (flag.type === 'boolean') return inline === undefined ? {flag, tookNext: false, value: true} : undefined
  const value = inline ?? next
  if (value === undefined || !acceptsValue(flag, value)) return undefined
  return {flag, tookNext: inline === undefined, value}
}

/** `--name=value` -> ['--name', 'value']; a short flag never carries its value inline here. */
function splitInlineValue(word: string): [string, string | undefined] {
  const equals = word.indexOf('=')
  if (!word.startsWith('--') || equals === -1) return [word, undefined]
  return [word.slice(0, equals), word.slice(equals + 1)]
}

/**
 * Values the express lane can take as they are: strings, from the flag's options when it has a list.
 * A flag whose default is not a string (an integer flag) has its own parser in oclif, so it declines.
 */
function acceptsValue(flag: ManifestFlag, value: string): boolean {
  if (value.startsWith('-')) return false
  if (flag.default !== undefined && typeof flag.default !== 'string') return false
  return flag.options === undefined || flag.options.includes(value)
}

function argumentCountFits(command: ManifestCommand, count: number): boolean {
  const declared = Object.values(command.args)
  const required = declared.filter((arg) => arg.required).length
  return count >= required && (command.strict === false || count <= declared.length)
}

/** Flags not given take their environment variable or default as oclif does; booleans from the environment decline. */
function withDefaults(command: ManifestCommand, given: Map<string, boolean | string>): FlagValues | undefined {
  const flags: FlagValues = {}
  for (const flag of Object.values(command.flags)) {
    const fromEnvironment = flag.env === undefined ? undefined : process.env[flag.env]
    const value = given.get(flag.name) ?? fromEnvironment ?? flag.default
    if (!given.has(flag.name) && fromEnvironment !== undefined && flag.type === 'boolean') return undefined
    if (isFlagValue(value)) flags[flag.name] = value
  }

  return flags
}

function isFlagValue(value: unknown): value is boolean | number | string {
  return typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string'
}
