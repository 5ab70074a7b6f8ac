/**
 * image-load `push`: the test image reaches a cluster the runner cannot load into (an existing
 * one) through a registry. It is tagged `<registry>/<name>:<tag>`, pushed, and the Job names it
 * by the digest the registry stored, which no later push can change (so IfNotPresent is safe).
 * The password only ever goes to `docker login` on stdin: never in argv, a log or a file of ours.
 */
import type { Registry } from '../inputs/types.js'
import { basicAuth } from '../inputs/index.js'
import { DOCKER_HUB } from '../inputs/parse.js'
import type { Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'

const DIGEST = /^sha256:[a-f0-9]{64}$/

/** `in-cluster-test/tests:0123456789ab` under `ghcr.io/acme` → `ghcr.io/acme/tests:0123456789ab`. */
export function pushTarget(prefix: string, image: string): string {
  const slash = image.lastIndexOf('/')
  const colon = image.lastIndexOf(':')
  if (colon <= slash || image.includes('@'))
    throw new Error(`Cannot push ${image}: it has no tag (the build tags it by its content)`)
  return `${prefix}/${image.slice(slash + 1)}`
}

/** `ghcr.io/acme/tests:0123456789ab` + digest → `ghcr.io/acme/tests@sha256:…`. */
export function digestReference(target: string, digest: string): string {
  return `${target.slice(0, target.lastIndexOf(':'))}@${digest}`
}

/** The server docker login takes; Docker Hub's is the default one. */
export function loginArgs(host: string, username: string): string[] {
  return ['login', host, '--username', username, '--password-stdin']
}

export function logoutArgs(host: string): string[] {
  return ['logout', host]
}

export function pushArgs(target: string): string[] {
  return ['push', target]
}

/**
 * The digest from `docker push`'s last line for the tag: `<tag>: digest: sha256:<64 hex> size: N`.
 * Undefined when no line says it (a Docker that prints it differently): ask inspect then.
 */
export function parsePushDigest(output: string, tag: string): string | undefined {
  let found: string | undefined
  for (const line of output.split(/\r?\n/)) {
    const m = line.trim().match(/^(\S+): digest: (sha256:[a-f0-9]{64}) size: \d+$/)
    if (m && m[1] === tag) found = m[2]
  }
  return found
}

/** Docker Hub's names as Docker writes them in RepoDigests (`acme/x`, not `docker.io/acme/x`). */
function normalName(repository: string): string {
  const r = repository.replace(/^(?:docker\.io|index\.docker\.io)\//, '')
  return r.startsWith('library/') ? r.slice('library/'.length) : r
}

/**
 * The digest of `target`'s repository from `docker image inspect --format '{{json .RepoDigests}}'`
 * (e.g. `["ghcr.io/acme/tests@sha256:…"]`): the image may carry digests of other repositories.
 */
export function parseRepoDigests(json: string, target: string): string | undefined {
  let list: unknown
  try {
    list = JSON.parse(json)
  } catch {
    return undefined
  }
  if (!Array.isArray(list)) return undefined
  const repository = normalName(target.slice(0, target.lastIndexOf(':')))
  for (const entry of list) {
    if (typeof entry !== 'string') continue
    const at = entry.lastIndexOf('@')
    const digest = entry.slice(at + 1)
    if (at > 0 && normalName(entry.slice(0, at)) === repository && DIGEST.test(digest))
      return digest
  }
  return undefined
}

/** The key a Docker config (and the kubelet) files a registry's credentials under. */
export function authKey(host: string): string {
  return host === DOCKER_HUB ? 'https://index.docker.io/v1/' : host
}

/**
 * The `.dockerconfigjson` of a kubernetes.io/dockerconfigjson Secret: `auth` only (base64 of
 * user:password), so the password is nowhere in it as plain text.
 */
export function dockerConfigJson(host: string, c: { username: string; password: string }): string {
  return JSON.stringify({ auths: { [authKey(host)]: { auth: basicAuth(c) } } })
}

export interface PushOptions {
  registry: Registry
  /** go-package's packed image: `docker load`ed first, the push goes through the Docker daemon. */
  archive?: string
  /** Told when the runner's Docker holds the login and when it no longer does (post step). */
  onLogin?(host: string, loggedIn: boolean): void
}

/**
 * Pushes the built image to the registry and returns the reference by digest the Job uses:
 * `<registry>/<name>@sha256:…`. With credentials, logs in first (the password on stdin) and
 * logs out again however the push ends.
 */
export async function pushImage(
  image: string,
  o: PushOptions,
  exec: Exec,
  log: Logger
): Promise<string> {
  const { registry } = o
  if (o.archive) {
    const load = await exec.run('docker', ['load', '--input', o.archive], { silent: true })
    if (load.exitCode !== 0)
      throw new Error(`docker load of ${o.archive} failed: ${lastLines(load.stderr)}`)
  }
  const target = pushTarget(registry.prefix, image)
  const tag = await exec.run('docker', ['tag', image, target], { silent: true })
  if (tag.exitCode !== 0) throw new Error(`docker tag ${target} failed: ${lastLines(tag.stderr)}`)

  const c = registry.credentials
  if (c) await login(registry.host, c, exec, o)
  try {
    const push = await exec.run('docker', pushArgs(target), { silent: true })
    if (push.exitCode !== 0)
      throw new Error(
        `docker push ${target} failed (exit ${push.exitCode}): ${lastLines(push.stderr || push.stdout)}${c ? '' : '. Give registry-username and registry-password if the registry needs a login'}`
      )
    const digest =
      parsePushDigest(push.stdout, target.slice(target.lastIndexOf(':') + 1)) ??
      (await inspectDigest(target, exec))
    const ref = digestReference(target, digest)
    log.info(`Pushed ${target}: the Job pulls ${ref}`)
    return ref
  } finally {
    if (c) await logout(registry.host, exec, log, o)
  }
}

async function login(
  host: string,
  c: { username: string; password: string },
  exec: Exec,
  o: PushOptions
): Promise<void> {
  // Recorded first: a run killed during the login still has the post step log out.
  o.onLogin?.(host, true)
  const r = await exec.run('docker', loginArgs(host, c.username), {
    input: c.password,
    silent: true
  })
  if (r.exitCode !== 0) {
    o.onLogin?.(host, false)
    throw new Error(
      `docker login ${host} as ${c.username} failed (exit ${r.exitCode}): ${lastLines(r.stderr || r.stdout)}`
    )
  }
}

async function logout(host: string, exec: Exec, log: Logger, o: PushOptions): Promise<void> {
  const r = await exec.run('docker', logoutArgs(host), { silent: true })
  if (r.exitCode === 0) o.onLogin?.(host, false)
  else log.warning(`docker logout ${host} failed: ${lastLines(r.stderr)}`)
}

async function inspectDigest(target: string, exec: Exec): Promise<string> {
  const r = await exec.run(
    'docker',
    ['image', 'inspect', '--format', '{{json .RepoDigests}}', target],
    { silent: true }
  )
  const digest = r.exitCode === 0 ? parseRepoDigests(r.stdout.trim(), target) : undefined
  if (!digest)
    throw new Error(
      `docker push ${target} named no digest, and docker image inspect has none for it: ${lastLines(r.stderr || r.stdout)}`
    )
  return digest
}
