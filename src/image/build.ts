/**
 * Builds the test image and tags it by its content (the image ID), never `latest`: the kubelet
 * must find exactly this build on the node and never try to pull it. With BuildKit when this
 * Docker has it, so the Dockerfile's cache mounts keep Go's caches between builds.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'
import { withoutCacheMounts, type LegacyDockerfile } from './dockerfile.js'
import { excludesItself } from './dockerignore.js'

export interface BuildOptions {
  dockerfile: string
  context: string
  buildArgs: Record<string, string>
  repository: string
  /** Folder for the image-ID file. */
  workDir: string
  /** Build with BuildKit; undefined: when this Docker has it (probeBuildKit). */
  buildkit?: boolean
  /** BuildKit secrets by id (`RUN --mount=type=secret,id=…`): never in a layer, a log or argv. */
  secrets?: Record<string, string>
}

export interface BuildKitProbe {
  /** `docker buildx version` works. */
  buildx: boolean
  /** `docker version`'s client and engine versions; undefined when it failed. */
  client?: string
  server?: string
}

function major(version: string): number {
  return Number.parseInt(version, 10)
}

function atLeast(version: string, wanted: [number, number]): boolean {
  const [a, b] = version.split('.').map((n) => Number.parseInt(n, 10))
  return a > wanted[0] || (a === wanted[0] && b >= wanted[1])
}

/**
 * Whether `DOCKER_BUILDKIT=1 docker build` works. A CLI since 23.0 builds with BuildKit only
 * through the buildx plugin (without it, DOCKER_BUILDKIT=1 is an error and the default is the
 * legacy builder); an older CLI talks to the engine's own BuildKit (engine 18.09 and later).
 */
export function buildKitSupport(p: BuildKitProbe): { buildkit: boolean; why: string } {
  if (p.buildx) return { buildkit: true, why: 'the buildx plugin is installed' }
  if (!p.client || !p.server) return { buildkit: false, why: 'docker version did not answer' }
  if (major(p.client) < 23 && atLeast(p.server, [18, 9]))
    return { buildkit: true, why: `Docker CLI ${p.client} uses engine ${p.server}'s BuildKit` }
  return {
    buildkit: false,
    why:
      major(p.client) >= 23
        ? `Docker CLI ${p.client} needs the buildx plugin for BuildKit and it is not installed`
        : `engine ${p.server} has no BuildKit`
  }
}

export async function probeBuildKit(exec: Exec): Promise<{ buildkit: boolean; why: string }> {
  const [buildx, version] = await Promise.all([
    exec.run('docker', ['buildx', 'version'], { silent: true }),
    exec.run('docker', ['version', '--format', '{{.Client.Version}} {{.Server.Version}}'], {
      silent: true
    })
  ])
  const [client, server] = version.exitCode === 0 ? version.stdout.trim().split(/\s+/) : []
  return buildKitSupport({ buildx: buildx.exitCode === 0, client, server })
}

/** The environment variable that carries build secret `id` to docker (its value is never in argv). */
export const secretEnvName = (id: string) =>
  `IN_CLUSTER_TEST_BUILD_SECRET_${id.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`

export function dockerBuildArgs(o: BuildOptions, iidFile: string): string[] {
  const args = ['build', '--file', o.dockerfile, '--iidfile', iidFile]
  for (const [k, v] of Object.entries(o.buildArgs)) args.push('--build-arg', `${k}=${v}`)
  for (const id of Object.keys(o.secrets ?? {}))
    args.push('--secret', `id=${id},env=${secretEnvName(id)}`)
  args.push('--label', 'org.opencontainers.image.title=in-cluster-test')
  args.push(o.context)
  return args
}

/** `sha256:0123456789abcdef…` → `repo:0123456789ab`. */
export function contentTag(repository: string, imageId: string): string {
  const hex = imageId.trim().replace(/^sha256:/, '')
  if (!/^[a-f0-9]{12,}$/.test(hex))
    throw new Error(`docker build wrote an unexpected image ID: '${imageId}'`)
  return `${repository}:${hex.slice(0, 12)}`
}

/** Builds, tags and returns the image reference. Build output goes to the log as it comes. */
export async function buildImage(o: BuildOptions, exec: Exec, log: Logger): Promise<string> {
  fs.mkdirSync(o.workDir, { recursive: true })
  // A folder of its own for the image-ID file: runs side by side from one checkout share the work
  // folder (the CLI's .in-cluster-test), and docker removes that file as each build starts.
  const dir = fs.mkdtempSync(path.join(o.workDir, 'build-'))
  try {
    return await buildTagged(o, path.join(dir, 'image-id'), exec, log)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function buildTagged(
  o: BuildOptions,
  iidFile: string,
  exec: Exec,
  log: Logger
): Promise<string> {
  let buildkit = o.buildkit
  if (buildkit === undefined) {
    const probe = await probeBuildKit(exec)
    buildkit = probe.buildkit
    log.info(`Building ${probe.buildkit ? 'with BuildKit' : 'without BuildKit'}: ${probe.why}`)
  }
  const secrets = o.secrets ?? {}
  if (!buildkit && Object.keys(secrets).length > 0)
    throw new Error(
      'build-secrets needs BuildKit, which this Docker does not have: install the buildx plugin (docker/setup-buildx-action), or use go-package'
    )
  // Without BuildKit, a Dockerfile with cache mounts is given without them on stdin: nothing is
  // written into the user's tree (side-by-side runs of one checkout, a killed run), and docker
  // keeps it out of what `COPY . .` sees (see legacyDockerfile).
  let legacy: LegacyDockerfile | undefined
  if (!buildkit) {
    legacy = legacyDockerfile(o.dockerfile)
    if (legacy)
      log.warning(
        `${o.dockerfile}: built without its ${legacy.droppedCacheMounts} cache mount(s), so Go compiles from nothing. Install the Docker buildx plugin to keep the caches, or use go-package${layerCacheNote(o.context)}`
      )
  }
  const result = await exec.run(
    'docker',
    dockerBuildArgs({ ...o, dockerfile: legacy ? '-' : o.dockerfile }, iidFile),
    {
      // Said either way: a CLI that defaults to BuildKit without a working buildx would fail.
      env: {
        DOCKER_BUILDKIT: buildkit ? '1' : '0',
        ...Object.fromEntries(Object.entries(secrets).map(([id, v]) => [secretEnvName(id), v]))
      },
      input: legacy?.text
    }
  )
  if (result.exitCode !== 0) {
    throw new Error(
      `docker build of ${o.dockerfile} failed (exit ${result.exitCode}): ${lastLines(result.stderr || result.stdout)}`
    )
  }
  const imageId = fs.readFileSync(iidFile, 'utf8').trim()
  const image = contentTag(o.repository, imageId)
  const tag = await exec.run('docker', ['tag', imageId, image], {
    silent: true
  })
  if (tag.exitCode !== 0) throw new Error(`docker tag ${image} failed: ${lastLines(tag.stderr)}`)
  log.info(`Built ${image}`)
  return image
}

/**
 * Why a Dockerfile given on stdin would miss the layer cache in this context, if it would: docker
 * appends the Dockerfile's random name to a .dockerignore that then reaches `COPY` (dockerignore.ts).
 */
function layerCacheNote(context: string): string {
  const file = path.join(context, '.dockerignore')
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
  if (excludesItself(text)) return ''
  return `. ${file} does not exclude itself: docker adds a line to it for a Dockerfile read from stdin, so COPY sees a changed file and no build reuses the layer cache. Add .dockerignore to it`
}

/**
 * What to give the legacy builder on stdin (`--file -`) instead of the Dockerfile: its text without
 * cache mounts, or undefined when it has none (it is then built as it is). The docker CLI adds a
 * Dockerfile from stdin to the context under a random name and lists that name in the context's
 * .dockerignore, so `COPY . .` never picks it up (that .dockerignore must exclude itself to keep the
 * layer cache: layerCacheNote).
 */
function legacyDockerfile(dockerfile: string): LegacyDockerfile | undefined {
  let text: string
  try {
    text = fs.readFileSync(dockerfile, 'utf8')
  } catch {
    // docker build reports a missing Dockerfile in its own words.
    return undefined
  }
  try {
    const legacy = withoutCacheMounts(text)
    return legacy.droppedCacheMounts > 0 ? legacy : undefined
  } catch (e) {
    throw new Error(`Cannot build ${dockerfile}: ${(e as Error).message}`, { cause: e })
  }
}
