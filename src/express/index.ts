/**
 * The express lane: `check`, `info`, `keyslot` and `--version` run here without loading @oclif/core,
 * whose start-up (some hundred CommonJS files and the plugins' manifests) costs more than the commands
 * themselves. It parses with the flag definitions oclif wrote into its manifest and declines whatever it
 * does not fully understand (help, unusual flag forms, --askpass, a malformed address...): bin/run.js then
 * hands the command line to oclif, so behaviour never depends on which path ran.
 * SLOTCTL_EXPRESS=0 sends everything to oclif.
 */
import {readFile} from 'node:fs/promises'

import {type ManifestCommand, parseExpress} from './parse.js'

type Manifest = {commands: Record<string, ManifestCommand>; version: string}

const expressIds = new Set(['check', 'info', 'keyslot'])

/** Runs the command line when it is for the express lane and says so; false leaves it to oclif. */
export async function runExpress(words: string[], manifestUrl: URL): Promise<boolean> {
  const [id, ...rest] = words
  const version = words.length === 1 && (id === '--version' || id === '-v')
  // Every other command line goes to oclif without reading the manifest.
  if (process.env.SLOTCTL_EXPRESS === '0' || id === undefined || !(version || expressIds.has(id))) return false
  const manifest = await readManifest(manifestUrl)
  if (manifest === undefined) return false
  if (version) {
    process.stdout.write(`slotctl/${manifest.version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return true
  }

  const command = manifest.commands[id]
  const input = command && parseExpress(command, rest)
  if (input === undefined || input.flags.askpass === true) return false
  // Loaded only now (one pre-linked file, see scripts/bundle.mjs): `--version` and declined command lines
  // never pay for the connection layer.
  const {runCommand} = await import('./run.js')
  return runCommand(id, input)
}

async function readManifest(url: URL): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(url, 'utf8')) as Manifest
  } catch {
    return undefined
  }
}
