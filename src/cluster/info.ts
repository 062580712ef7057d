/** Parses INFO or CLUSTER INFO text (`key:value` lines, `#` section headers) into a flat record. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1)
  }

  return fields
}

/** The key count of db0 from INFO keyspace (`db0:keys=12,expires=0,avg_ttl=0`); 0 when db0 is absent. */
export function keysInDb0(info: Record<string, string>): number {
  const match = /(?:^|,)keys=(\d+)/.exec(info.db0 ?? '')
  return match ? Number(match[1]) : 0
}

export function numberField(info: Record<string, string>, name: string): number | undefined {
  const value = info[name]
  return value === undefined || value === '' || Number.isNaN(Number(value)) ? undefined : Number(value)
}
