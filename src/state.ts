/**
 * What the main step hands to the post step, and what the post step accepts of it.
 *
 * GitHub keeps action state per name, last writer wins, and a `::save-state` line printed by
 * anything during the step (a test!) writes it too, unless commands are stopped. So main keeps
 * its state in a file of its own under RUNNER_TEMP, which nothing in the cluster can write, and
 * the action state holds only a random id naming that file: saved first thing, before any test
 * output is echoed. A forged id names no file (or another run's file of this job, which is just
 * as genuine), and the post step then cleans up every state file of the job instead of none.
 * Whatever it reads, the post step still checks (validateCleanupState): kind and kubectl only
 * from the tool cache or what kind-path / kubectl-path name, DNS names, known object kinds.
 *
 * The CLI keeps its state in memory (memoryStateStore) and runs the cleanup itself.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

export interface StateStore {
  save(key: string, value: string): void
  get(key: string): string
}

export interface CleanupState {
  kindPath?: string
  clusterName?: string
  /** Only a cluster this run created is ever deleted. */
  clusterCreated: boolean
  keepCluster: boolean
  exportLogsDir?: string
  /** The main step exported the cluster's logs already (a run that did not pass): post does not. */
  logsExported?: boolean
  /** kubectl and the kubeconfig it uses, for deleting what the run created (post has no client). */
  kubectlPath?: string
  kubeconfigPath?: string
}

/** An object the run created in the cluster, deleted by main's `finally` and again by post. */
export interface CreatedObject {
  kind: CreatedKind
  namespace: string
  name: string
}

export const CREATED_KINDS = ['Application', 'Job', 'Secret'] as const
export type CreatedKind = (typeof CREATED_KINDS)[number]

const KEY = 'in-cluster-test-cleanup'
const OBJECTS_KEY = 'in-cluster-test-objects'
/** Its own key: the cluster stage saves KEY whole while the image stage may be logging in. */
const LOGINS_KEY = 'in-cluster-test-registry-logins'
/** The action-state name holding the id of main's state file. */
export const STATE_ID_KEY = 'in-cluster-test-state-id'

export function saveCleanupState(store: StateStore, state: CleanupState): void {
  store.save(KEY, JSON.stringify(state))
}

/** Records that main exported the cluster's logs, so the post step does not do it again. */
export function markLogsExported(store: StateStore): void {
  const state = loadCleanupState(store)
  if (state) saveCleanupState(store, { ...state, logsExported: true })
}

/** The state as saved, unchecked: the CLI's own memory. The post step uses validateCleanupState. */
export function loadCleanupState(store: StateStore): CleanupState | undefined {
  const raw = store.get(KEY)
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as CleanupState
  } catch {
    return undefined
  }
}

export function memoryStateStore(): StateStore {
  const values = new Map<string, string>()
  return { save: (k, v) => void values.set(k, v), get: (k) => values.get(k) ?? '' }
}

// ---------------------------------------------------------------------------------------------
// Main's state file.

const ID = /^[0-9a-f]{32}$/

/** Where main's state files live: RUNNER_TEMP, emptied by the runner after each job. */
export function stateDir(runnerTemp: string): string {
  return path.join(runnerTemp, 'in-cluster-test-state')
}

export interface FileStateStore extends StateStore {
  /** Deletes the file once the post step has acted on it. */
  remove(): void
}

/** A StateStore kept in `<dir>/<id>.json`, readable and writable by this user only. */
export function fileStateStore(dir: string, id: string): FileStateStore {
  if (!ID.test(id)) throw new Error(`'${id}' is not a state id`)
  const file = path.join(dir, `${id}.json`)
  const read = (): Record<string, string> => {
    try {
      const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {}
    } catch {
      return {}
    }
  }
  return {
    save(key, value) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      const tmp = `${file}.${process.pid}.tmp`
      // Through a rename, so a run killed mid-write leaves the previous state whole.
      fs.writeFileSync(tmp, JSON.stringify({ ...read(), [key]: value }), { mode: 0o600 })
      fs.renameSync(tmp, file)
    },
    get: (key) => {
      const v = read()[key]
      return typeof v === 'string' ? v : ''
    },
    remove: () => fs.rmSync(file, { force: true })
  }
}

/**
 * Main's first call: names a new state file in the action state and returns the store to keep
 * every later state in. Call it before anything prints test or cluster output.
 */
export function startStateSession(
  actionState: StateStore,
  dir: string,
  id = randomBytes(16).toString('hex')
): StateStore {
  const store = fileStateStore(dir, id)
  store.save('started', new Date().toISOString())
  actionState.save(STATE_ID_KEY, id)
  return store
}

export interface ResumedState {
  stores: FileStateStore[]
  /** Set when the action state did not name a state file of this job. */
  warning?: string
}

/**
 * The post step's view: the store main named, or, when the id in the action state is not one
 * main wrote (forged by a printed `::save-state`, or main died before saving it), every state
 * file of this job, so nothing the run created is left behind.
 */
export function resumeStateSessions(actionState: StateStore, dir: string): ResumedState {
  const id = actionState.get(STATE_ID_KEY)
  if (ID.test(id) && fs.existsSync(path.join(dir, `${id}.json`))) {
    return { stores: [fileStateStore(dir, id)] }
  }
  const ids = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length))
        .filter((f) => ID.test(f))
    : []
  if (id === '' && ids.length === 0) return { stores: [] }
  return {
    stores: ids.map((i) => fileStateStore(dir, i)),
    warning:
      id === ''
        ? `The main step saved no state id; cleaning up the ${ids.length} state file(s) it wrote`
        : `The state id is not one the main step wrote (was a ::save-state printed during the step?); cleaning up the ${ids.length} state file(s) of this job instead`
  }
}

// ---------------------------------------------------------------------------------------------
// Objects the run created.

/** Records an object as soon as it exists (call right after the create/apply returns). */
export function recordCreated(store: StateStore, obj: CreatedObject): void {
  const list = parseCreatedObjects(store.get(OBJECTS_KEY)).objects
  if (!list.some((o) => sameObject(o, obj))) list.push({ ...obj })
  store.save(OBJECTS_KEY, JSON.stringify(list))
}

/** Forgets an object main deleted itself, so post does not try again. */
export function forgetCreated(store: StateStore, obj: CreatedObject): void {
  const list = parseCreatedObjects(store.get(OBJECTS_KEY)).objects
  store.save(OBJECTS_KEY, JSON.stringify(list.filter((o) => !sameObject(o, obj))))
}

export function createdObjects(store: StateStore): { objects: CreatedObject[]; refused: string[] } {
  return parseCreatedObjects(store.get(OBJECTS_KEY))
}

const sameObject = (a: CreatedObject, b: CreatedObject) =>
  a.kind === b.kind && a.namespace === b.namespace && a.name === b.name

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

const isLabel = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 63 && DNS_LABEL.test(v)
const isSubdomain = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 253 && DNS_SUBDOMAIN.test(v)

/**
 * The objects listed in the state, each checked: a known kind, a DNS-label namespace, a DNS name.
 * Anything else is refused (and named, for a warning), never passed to kubectl.
 */
export function parseCreatedObjects(raw: string): { objects: CreatedObject[]; refused: string[] } {
  if (!raw) return { objects: [], refused: [] }
  let list: unknown
  try {
    list = JSON.parse(raw)
  } catch {
    return { objects: [], refused: ['the list of created objects is not JSON'] }
  }
  if (!Array.isArray(list)) return { objects: [], refused: ['the list of created objects'] }
  const objects: CreatedObject[] = []
  const refused: string[] = []
  for (const item of list) {
    const o = (item ?? {}) as Record<string, unknown>
    if (
      (CREATED_KINDS as readonly unknown[]).includes(o.kind) &&
      isLabel(o.namespace) &&
      isSubdomain(o.name)
    ) {
      objects.push({ kind: o.kind as CreatedKind, namespace: o.namespace, name: o.name })
    } else {
      refused.push(JSON.stringify(item).slice(0, 200))
    }
  }
  return { objects, refused }
}

// ---------------------------------------------------------------------------------------------
// Registries the runner's Docker is logged in to by the run (image-load push).

// DNS labels (never a leading '-': the host is an argument of docker login and logout).
const REGISTRY_HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::\d+)?$/

/** Records that the run logged in to `host` (true) or out again (false). */
export function recordRegistryLogin(store: StateStore, host: string, loggedIn: boolean): void {
  const hosts = registryLogins(store).hosts.filter((h) => h !== host)
  store.save(LOGINS_KEY, JSON.stringify(loggedIn ? [...hosts, host] : hosts))
}

/** The hosts main logged in to and did not log out of; anything but a host name is refused. */
export function registryLogins(store: StateStore): { hosts: string[]; refused: string[] } {
  const raw = store.get(LOGINS_KEY)
  if (!raw) return { hosts: [], refused: [] }
  let list: unknown
  try {
    list = JSON.parse(raw)
  } catch {
    return { hosts: [], refused: ['the list of registry logins is not JSON'] }
  }
  if (!Array.isArray(list)) return { hosts: [], refused: ['the list of registry logins'] }
  const hosts: string[] = []
  const refused: string[] = []
  for (const h of list) {
    if (typeof h === 'string' && h.length <= 253 && REGISTRY_HOST.test(h)) hosts.push(h)
    else refused.push(JSON.stringify(h).slice(0, 200))
  }
  return { hosts, refused }
}

// ---------------------------------------------------------------------------------------------
// What the post step uploads (upload-artifact).

/**
 * The artifact the post step uploads: main records the name and output-dir when the run starts,
 * and marks it redacted once the run's files are (finishReport). The export-logs folder is named
 * only when main exported (and redacted) the cluster's diagnostics into it.
 */
export interface UploadState {
  /** The artifact's name (upload-artifact). */
  name: string
  outputDir: string
  exportLogsDir?: string
  /** Main redacted output-dir (and the export): until then nothing is uploaded. */
  redacted: boolean
  /** Never uploaded, even inside one of the folders: the work dir (kubeconfig, image archives). */
  exclude: string[]
}

const UPLOAD_KEY = 'in-cluster-test-upload'

export function saveUploadState(store: StateStore, state: UploadState): void {
  store.save(UPLOAD_KEY, JSON.stringify(state))
}

/** Changes the recorded upload, if main recorded one (the CLI and an unset input did not). */
export function updateUploadState(store: StateStore, change: Partial<UploadState>): void {
  const { state } = validateUploadState(store.get(UPLOAD_KEY))
  if (state) saveUploadState(store, { ...state, ...change })
}

const isCleanPath = (p: unknown): p is string =>
  typeof p === 'string' && path.isAbsolute(p) && path.normalize(p) === p && !p.includes('\0')

/**
 * The upload as the post step may act on it: a name, absolute folders. Nothing recorded
 * means nothing to upload (the input was empty); a refused name or output-dir, nothing either.
 */
export function validateUploadState(raw: string): { state?: UploadState; problems: string[] } {
  if (!raw) return { problems: [] }
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return { problems: ['the saved upload is not JSON: nothing is uploaded'] }
  }
  const s = (v && typeof v === 'object' && !Array.isArray(v) ? v : {}) as Record<string, unknown>
  const name = s.name
  // What else a name may not hold, @actions/artifact checks (a refused name is a warning).
  if (typeof name !== 'string' || name === '')
    return { problems: ['the saved upload has no artifact name: nothing is uploaded'] }
  if (!isCleanPath(s.outputDir))
    return { problems: ['the output-dir to upload is not an absolute path: nothing is uploaded'] }
  const problems: string[] = []
  const state: UploadState = {
    name,
    outputDir: s.outputDir,
    redacted: s.redacted === true,
    exclude: Array.isArray(s.exclude) ? s.exclude.filter(isCleanPath) : []
  }
  if (s.exportLogsDir !== undefined) {
    if (isCleanPath(s.exportLogsDir)) state.exportLogsDir = s.exportLogsDir
    else problems.push('the export-logs folder to upload is not an absolute path: refused')
  }
  return { state, problems }
}

/** The raw saved upload, for validateUploadState. */
export function rawUploadState(store: StateStore): string {
  return store.get(UPLOAD_KEY)
}

// ---------------------------------------------------------------------------------------------
// What the post step accepts.

export interface PostEnvironment {
  /** RUNNER_TOOL_CACHE: where main installed kind and kubectl. */
  toolCacheDir?: string
  /**
   * The runner's own kind and kubectl that kind-path and kubectl-path name, located again by the
   * post step from the inputs: a saved path outside the tool cache is run only if it is one of them.
   */
  installed?: { kind?: string; kubectl?: string }
  /** RUNNER_TEMP, GITHUB_WORKSPACE and HOME: a folder holding one of them is never uploaded. */
  runnerTemp?: string
  workspace?: string
  home?: string
}

/**
 * A tool binary main installed: `<tool cache>/<tool>/<version>/<arch>/<tool>`, an absolute,
 * normalised path. Anything else (a shell, a file in the workspace) is refused.
 */
export function isCachedTool(p: unknown, tool: 'kind' | 'kubectl', toolCacheDir?: string) {
  if (typeof p !== 'string' || !toolCacheDir || !path.isAbsolute(toolCacheDir)) return false
  const root = path.resolve(toolCacheDir, tool) + path.sep
  if (!path.isAbsolute(p) || path.normalize(p) !== p || !p.startsWith(root)) return false
  const rest = p.slice(root.length).split(path.sep)
  return rest.length === 3 && rest[2] === tool && rest.every((s) => /^[\w.+-]+$/.test(s))
}

/** A tool main installed, or exactly the runner's own one its input names (located again). */
function isToolAllowed(p: unknown, tool: 'kind' | 'kubectl', env: PostEnvironment): boolean {
  const own = env.installed?.[tool]
  return isCachedTool(p, tool, env.toolCacheDir) || (!!own && p === own)
}

/**
 * The cleanup state as the post step may act on it, and what was refused of it. Refused fields
 * are dropped (a refused kind path means the cluster is not deleted: better a warning and a
 * cluster left on an ephemeral runner than running a program the state names).
 */
export function validateCleanupState(
  raw: string,
  env: PostEnvironment
): { state?: CleanupState; problems: string[] } {
  if (!raw) return { problems: [] }
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return { problems: ['the saved cleanup state is not JSON: ignored'] }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    return { problems: ['the saved cleanup state is not an object: ignored'] }
  }
  const s = v as Record<string, unknown>
  const problems: string[] = []
  const state: CleanupState = {
    clusterCreated: s.clusterCreated === true,
    keepCluster: s.keepCluster !== false
  }
  if (s.logsExported === true) state.logsExported = true
  if (s.keepCluster !== true && s.keepCluster !== false) {
    problems.push('keepCluster is not a boolean: the cluster is kept')
  }
  if (s.kindPath !== undefined) {
    if (isToolAllowed(s.kindPath, 'kind', env)) state.kindPath = s.kindPath as string
    else
      problems.push(
        'the kind path is neither a kind binary in the tool cache nor kind-path: refused'
      )
  }
  if (s.kubectlPath !== undefined) {
    if (isToolAllowed(s.kubectlPath, 'kubectl', env)) state.kubectlPath = s.kubectlPath as string
    else
      problems.push(
        'the kubectl path is neither in the tool cache nor kubectl-path: kubectl from PATH is used'
      )
  }
  if (s.clusterName !== undefined) {
    if (isLabel(s.clusterName)) state.clusterName = s.clusterName
    else problems.push('the cluster name is not a DNS label: refused')
  }
  for (const [key, what] of [
    ['exportLogsDir', 'the export-logs folder'],
    ['kubeconfigPath', 'the kubeconfig path']
  ] as const) {
    const p = s[key]
    if (p === undefined) continue
    if (typeof p === 'string' && path.isAbsolute(p) && path.normalize(p) === p && !p.includes('\0'))
      state[key] = p
    else problems.push(`${what} is not an absolute path: refused`)
  }
  return { state, problems }
}

/** The raw saved cleanup state, for validateCleanupState. */
export function rawCleanupState(store: StateStore): string {
  return store.get(KEY)
}
