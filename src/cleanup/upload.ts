/**
 * The post step's upload-artifact: once the cleanup is done, output-dir and the diagnostics main
 * exported go up as one artifact, laid out as `output-dir/…` and `export-logs/…`. Only what main
 * redacted; only regular files (no link is followed); never the kubeconfig, the work dir or main's
 * state; never a folder that holds the runner's temp, the workspace or the home folder. A failed
 * upload is a warning: the job's status is the tests'.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { ArtifactUploader, Logger } from '../ports.js'
import type { PostEnvironment, UploadState } from '../state.js'

export interface ArtifactFolder {
  dir: string
  /** Its folder in the artifact. */
  as: 'output-dir' | 'export-logs'
}

export interface ArtifactFile {
  source: string
  /** Its path in the artifact: `output-dir/tests.log`. */
  entry: string
}

/** Characters the artifact service refuses in a file's path (it would fail the whole upload). */
const REFUSED_IN_PATH = /[":<>|*?\r\n]/

/** `p` is `dir` or lies under it. */
export function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

/**
 * The regular files under `dir`, recursively, leaving out whatever lies under `skip`. Links,
 * sockets and the like are named in `skipped`, never followed. A missing folder has no files.
 */
export function walkFiles(dir: string, skip: string[]): { files: string[]; skipped: string[] } {
  const files: string[] = []
  const skipped: string[] = []
  const walk = (d: string) => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name)
      if (skip.some((s) => isWithin(full, s))) continue
      if (e.isDirectory()) walk(full)
      else if (e.isFile()) files.push(full)
      else skipped.push(full)
    }
  }
  if (!skip.some((s) => isWithin(dir, s))) walk(dir)
  return { files, skipped }
}

/**
 * Every file of the folders with its path in the artifact. A folder inside another is walked as
 * itself only (export-logs under output-dir is `export-logs/`, not twice); the same folder twice
 * counts once.
 */
export function artifactFiles(
  folders: ArtifactFolder[],
  exclude: string[]
): { files: ArtifactFile[]; skipped: string[] } {
  const unique = folders.filter((f, i) => folders.findIndex((g) => g.dir === f.dir) === i)
  const files: ArtifactFile[] = []
  const skipped: string[] = []
  for (const folder of unique) {
    const others = unique.filter((o) => o !== folder && isWithin(o.dir, folder.dir))
    const walked = walkFiles(folder.dir, [...exclude, ...others.map((o) => o.dir)])
    skipped.push(...walked.skipped)
    for (const source of walked.files) {
      const rel = path.relative(folder.dir, source)
      if (REFUSED_IN_PATH.test(rel)) skipped.push(source)
      else files.push({ source, entry: path.join(folder.as, rel) })
    }
  }
  return { files, skipped }
}

/** Why a folder is never uploaded: it holds the runner's temp, the workspace or the home folder. */
export function refusedFolder(dir: string, env: PostEnvironment): string | undefined {
  const held: Array<[string | undefined, string]> = [
    [env.runnerTemp, "the runner's temp folder"],
    [env.workspace, 'the workspace'],
    [env.home, 'the home folder']
  ]
  for (const [p, what] of held) if (p && isWithin(p, dir)) return `it holds ${what} (${p})`
  return undefined
}

export interface UploadContext {
  env: PostEnvironment
  /** Left out wherever they lie: the kubeconfig, main's state folder. */
  exclude: string[]
}

/**
 * Uploads the run's files as the artifact main recorded; nothing when it recorded none (the
 * input was empty). Never throws.
 */
export async function uploadRunArtifact(
  state: UploadState | undefined,
  ctx: UploadContext,
  uploader: ArtifactUploader,
  log: Logger
): Promise<void> {
  if (!state) return
  const { name } = state
  if (!state.redacted) {
    log.warning(
      `upload-artifact: '${name}' is not uploaded: the main step ended before it redacted the run's files (cancelled, or it failed early)`
    )
    return
  }
  const folders: ArtifactFolder[] = [{ dir: state.outputDir, as: 'output-dir' }]
  if (state.exportLogsDir) folders.push({ dir: state.exportLogsDir, as: 'export-logs' })
  const allowed = folders.filter((f) => {
    const why = refusedFolder(f.dir, ctx.env)
    if (why) log.warning(`upload-artifact: ${f.as} ${f.dir} is not uploaded: ${why}`)
    return !why
  })
  const { files, skipped } = artifactFiles(allowed, [...ctx.exclude, ...state.exclude])
  if (skipped.length > 0)
    log.info(
      `upload-artifact: left out (not a regular file, or a name artifacts refuse): ${skipped.join(', ')}`
    )
  if (files.length === 0) {
    log.info(`upload-artifact: no file to upload as '${name}'`)
    return
  }
  try {
    const r = await withStage(allowed, ctx.env, (stage) =>
      uploader.upload(
        name,
        files.map((f) => path.join(stage, f.entry)),
        stage
      )
    )
    const size = r.size === undefined ? '' : `, ${r.size} bytes`
    log.info(`Uploaded the artifact '${name}': ${files.length} file(s)${size}`)
  } catch (e) {
    const message = (e as Error).message
    const hint = /ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL/.test(message)
      ? ' (the runner gives it to actions; outside GitHub Actions there is nowhere to upload)'
      : ''
    log.warning(`Could not upload the artifact '${name}': ${message}${hint}`)
  }
}

/**
 * A folder of links, `output-dir` and `export-logs`, to the folders uploaded: the artifact's
 * paths are relative to it, whatever the folders' own places. Removed after (the links only).
 */
async function withStage<T>(
  folders: ArtifactFolder[],
  env: PostEnvironment,
  fn: (stage: string) => Promise<T>
): Promise<T> {
  const stage = fs.mkdtempSync(path.join(env.runnerTemp ?? os.tmpdir(), 'in-cluster-test-upload-'))
  try {
    for (const f of folders) fs.symlinkSync(f.dir, path.join(stage, f.as), 'dir')
    return await fn(stage)
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
}
