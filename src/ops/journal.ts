import {closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync} from 'node:fs'

import {type JournalRecord, parseJournal} from '../cluster/move-plan.js'

/** The journal of a plan file lives beside it. */
export const journalPathOf = (planPath: string): string => `${planPath}.journal`

/**
 * An append-only NDJSON file of finished steps. Each record is written and fsynced before the run goes on,
 * so after a crash the journal never claims more than was done. It holds node ids and slots, no secrets.
 */
export class Journal {
  private constructor(
    private readonly fd: number,
    readonly path: string,
  ) {}

  static open(path: string): Journal {
    return new Journal(openSync(path, 'a'), path)
  }

  static read(path: string): JournalRecord[] {
    return existsSync(path) ? parseJournal(readFileSync(path, 'utf8')) : []
  }

  append(record: JournalRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`)
    fsyncSync(this.fd)
  }

  close(): void {
    closeSync(this.fd)
  }
}
