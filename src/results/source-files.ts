/**
 * The SourceReader over a checkout (the workspace, or `report --source DIR`): its Go files as
 * git lists them (or as found on disk), each read only if it really is inside the
 * checkout (a symlink out of it is not followed: test output and the tree come from the pull
 * request), and not when it is larger than any hand-written Go file.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Exec } from '../ports.js'
import type { SourceReader } from './failure-source.js'

const MAX_FILE_BYTES = 4 * 1024 * 1024
const MAX_FILES = 20_000

export function checkoutSource(root: string, files: readonly string[]): SourceReader {
  const listed = new Set(files)
  let realRoot: string | undefined
  // Not cached here: a parse keeps what it needs (a scan for test functions reads every test
  // file once and must not hold them all).
  const read = (rel: string): string | undefined => {
    if (!listed.has(rel) || !rel.endsWith('.go')) return undefined
    try {
      realRoot ??= fs.realpathSync(root)
      const real = fs.realpathSync(path.join(root, rel))
      if (!real.startsWith(realRoot + path.sep)) return undefined
      if (fs.statSync(real).size > MAX_FILE_BYTES) return undefined
      return fs.readFileSync(real, 'utf8')
    } catch {
      return undefined
    }
  }
  return { files, read }
}

/** Go files of a checkout, relative to it: git's list (tracked and new), or a walk without git. */
export async function listGoFiles(root: string, exec: Exec): Promise<string[]> {
  const r = await exec
    .run(
      'git',
      ['-C', root, 'ls-files', '--cached', '--others', '--exclude-standard', '--', '*.go'],
      { silent: true }
    )
    // No git at all (a CLI user's machine): the walk below.
    .catch(() => undefined)
  if (r?.exitCode === 0) return r.stdout.split('\n').filter(Boolean).slice(0, MAX_FILES)
  return walk(root, '', MAX_FILES)
}

function walk(root: string, rel: string, budget: number): string[] {
  const out: string[] = []
  const stack = [rel]
  while (stack.length > 0 && out.length < budget) {
    const dir = stack.pop() as string
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      const p = dir ? `${dir}/${e.name}` : e.name
      if (e.isDirectory() && !['node_modules', '.git', 'vendor', 'dist'].includes(e.name))
        stack.push(p)
      else if (e.isFile() && e.name.endsWith('.go')) out.push(p)
    }
  }
  return out
}
