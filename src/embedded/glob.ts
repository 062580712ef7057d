/**
 * Redis' glob patterns (KEYS, SCAN MATCH): `*`, `?`, `[abc]`, `[^a-z]` and `\` escapes, compiled once to a
 * RegExp over latin1 strings (one character per byte).
 */
export function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i)
    if (char === '*') source += '[\\s\\S]*'
    else if (char === '?') source += '[\\s\\S]'
    else if (char === '\\' && i + 1 < pattern.length) source += escapeChar(pattern.charAt(++i))
    else if (char === '[') {
      const [klass, next] = characterClass(pattern, i + 1)
      source += klass
      i = next
    } else source += escapeChar(char)
  }

  return new RegExp(`^${source}$`)
}

/** Compiles the `[...]` starting at `start`; returns the RegExp class and the index of its `]`. */
function characterClass(pattern: string, start: number): [string, number] {
  let i = start
  let negate = false
  if (pattern.charAt(i) === '^') {
    negate = true
    i++
  }

  let body = ''
  while (i < pattern.length && pattern.charAt(i) !== ']') {
    let char = pattern.charAt(i)
    if (char === '\\' && i + 1 < pattern.length) char = pattern.charAt(++i)
    if (pattern.charAt(i + 1) === '-' && i + 2 < pattern.length && pattern.charAt(i + 2) !== ']') {
      let low = char
      let high = pattern.charAt(i + 2)
      if (low > high) [low, high] = [high, low]
      body += `${escapeChar(low)}-${escapeChar(high)}`
      i += 3
    } else {
      body += escapeChar(char)
      i++
    }
  }

  if (body === '') return [negate ? '[\\s\\S]' : '(?!)', i]
  return [`[${negate ? '^' : ''}${body}]`, i]
}

function escapeChar(char: string): string {
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`
}
