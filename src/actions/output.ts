/** Where a command's human-readable lines go: oclif's log, or the express lane's (silent under --json). */
export type Output = {log(text: string): void}
