/** Makes the built image available to the cluster's nodes without a registry. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ImageLoad } from '../inputs/types.js'
import type { Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'
import { loadDockerImageArgs, loadImageArchiveArgs } from '../kind/argv.js'

export interface LoadContext {
  kind?: string
  clusterName: string
  workDir: string
  /**
   * The CPU architecture of the cluster's nodes (amd64, arm64), asked only when an image is
   * saved to an archive; undefined when unknown, and then the Docker engine's is taken.
   */
  nodeArch?: () => Promise<string | undefined>
}

/** The Docker CLI and engine, as `docker version` tells them. */
export interface DockerVersions {
  /** The API version the CLI speaks with the engine (lowered to the engine's when older). */
  clientApi?: string
  serverApi?: string
  serverArch?: string
}

/** `docker save --platform` needs API 1.48 (Docker 28) of the CLI and the engine. */
export const SAVE_PLATFORM_API = '1.48'

export async function dockerVersions(exec: Exec): Promise<DockerVersions> {
  const r = await exec.run(
    'docker',
    ['version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.Arch}}'],
    { silent: true }
  )
  if (r.exitCode !== 0) return {}
  const [clientApi, serverApi, serverArch] = r.stdout.trim().split(/\s+/)
  return { clientApi, serverApi, serverArch }
}

/** Whether an API version (`1.41`) is at least `min`; false for one that is not a version. */
export function apiAtLeast(version: string | undefined, min: string): boolean {
  const parse = (v: string) => v.split('.').map(Number)
  if (!version || !/^\d+\.\d+$/.test(version)) return false
  const [major, minor] = parse(version)
  const [wantMajor, wantMinor] = parse(min)
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
}

/**
 * The platform to save an image for: with Docker's containerd image store a save keeps every
 * platform of the image, and fails on one whose layers were never pulled (a multi-platform base
 * pulled for one platform). `linux/<arch>` of the nodes, or else of the engine; none when the
 * CLI or the engine predates the flag (they refuse it).
 */
export function savePlatform(v: DockerVersions, nodeArch?: string): string | undefined {
  if (!apiAtLeast(v.clientApi, SAVE_PLATFORM_API) || !apiAtLeast(v.serverApi, SAVE_PLATFORM_API))
    return undefined
  const arch = nodeArch || v.serverArch
  return arch ? `linux/${arch}` : undefined
}

export function dockerSaveArgs(image: string, archive: string, platform?: string): string[] {
  return ['save', ...(platform ? ['--platform', platform] : []), '--output', archive, image]
}

/**
 * Saves the image to `archive` for the nodes' platform when the engine can; an image that has
 * no such platform (built for another one) is saved as it is, and the node decides.
 */
async function saveImage(
  image: string,
  archive: string,
  ctx: LoadContext,
  exec: Exec,
  log: Logger
): Promise<void> {
  const versions = await dockerVersions(exec)
  const platform = savePlatform(versions, await ctx.nodeArch?.())
  if (platform) {
    const save = await exec.run('docker', dockerSaveArgs(image, archive, platform))
    if (save.exitCode === 0) return
    log.warning(
      `docker save --platform ${platform} ${image} failed (${lastLines(save.stderr, 2)}); saving every platform instead`
    )
  }
  const save = await exec.run('docker', dockerSaveArgs(image, archive))
  if (save.exitCode !== 0) throw new Error(`docker save ${image} failed: ${lastLines(save.stderr)}`)
}

/**
 * The custom command runs in bash with `{image}` and `{archive}` replaced by references to
 * environment variables, so an image name or a path can never become shell syntax.
 */
export function customLoadCommand(template: string): string {
  return template
    .split('{image}')
    .join('"$IN_CLUSTER_TEST_IMAGE"')
    .split('{archive}')
    .join('"$IN_CLUSTER_TEST_ARCHIVE"')
}

async function runCustomCommand(
  command: string,
  env: Record<string, string>,
  exec: Exec
): Promise<void> {
  const r = await exec.run('bash', ['-o', 'pipefail', '-c', customLoadCommand(command)], { env })
  if (r.exitCode !== 0) {
    throw new Error(
      `The image-load command failed (exit ${r.exitCode}): ${lastLines(r.stderr || r.stdout)}`
    )
  }
}

/** `push` is the test image's alone (image/push.ts); getInputs refuses it with load-images. */
function pushLoads(image: string): Error {
  return new Error(
    `image-load 'push' does not load ${image} into the nodes: it pushes the test image`
  )
}

/**
 * The service images (load-images). With kind, one `kind load docker-image` of them all: one
 * `docker save`, layers shared between the images written once, one import per node. When that
 * fails (kind#3795), or for any other image-load, each image on its own.
 */
export async function loadImages(
  images: string[],
  mode: ImageLoad,
  ctx: LoadContext,
  exec: Exec,
  log: Logger
): Promise<void> {
  if (mode.mode === 'kind' && ctx.kind && images.length > 1) {
    const all = await exec.run(ctx.kind, loadDockerImageArgs(ctx.clusterName, images))
    if (all.exitCode === 0) return
    log.warning(
      `kind load docker-image of ${images.length} images failed (${lastLines(all.stderr, 2)}); loading them one by one`
    )
  }
  for (const image of images) await loadImage(image, mode, ctx, exec, log)
}

export async function loadImage(
  image: string,
  mode: ImageLoad,
  ctx: LoadContext,
  exec: Exec,
  log: Logger
): Promise<void> {
  if (mode.mode === 'none') {
    log.info(`image-load is 'none': the cluster must be able to pull ${image} itself`)
    return
  }
  if (mode.mode === 'command') {
    // No archive for a Docker image: one template ({archive} {image}) then serves both paths.
    const env: Record<string, string> = { IN_CLUSTER_TEST_IMAGE: image }
    if (mode.command.includes('{archive}')) env.IN_CLUSTER_TEST_ARCHIVE = ''
    await runCustomCommand(mode.command, env, exec)
    return
  }
  if (mode.mode === 'push') throw pushLoads(image)
  if (!ctx.kind)
    throw new Error(
      "image-load 'kind' needs a kind cluster: set cluster: kind, or give an image-load command"
    )
  const direct = await exec.run(ctx.kind, loadDockerImageArgs(ctx.clusterName, image))
  if (direct.exitCode === 0) return
  // Docker's containerd image store breaks `kind load docker-image` (kind#3795); an archive works.
  log.warning(
    `kind load docker-image failed (${lastLines(direct.stderr, 2)}); retrying through an image archive`
  )
  // One archive per image: service images and the test image may load at the same time.
  const archive = path.join(ctx.workDir, `image-${image.replace(/[^\w.-]+/g, '_')}.tar`)
  try {
    await saveImage(image, archive, ctx, exec, log)
    const viaArchive = await exec.run(ctx.kind, loadImageArchiveArgs(ctx.clusterName, archive))
    if (viaArchive.exitCode !== 0) {
      throw new Error(`Loading ${image} into kind failed: ${lastLines(viaArchive.stderr)}`)
    }
  } finally {
    // A whole image, on the runner's disk: gone whatever happened (a failed save leaves a part).
    fs.rmSync(archive, { force: true })
  }
}

/**
 * Loads an image that exists only as an archive (go-package's packed image), never through a
 * Docker daemon when the loader can take the file: kind imports it on every node, and a custom
 * command gets it as `{archive}`. A command written for Docker images (only `{image}`) still
 * works: the archive is `docker load`ed first, at the cost of the daemon round trip.
 */
export async function loadImageArchive(
  archive: string,
  image: string,
  mode: ImageLoad,
  ctx: LoadContext,
  exec: Exec,
  log: Logger
): Promise<void> {
  if (mode.mode === 'none') {
    throw new Error(
      `image-load 'none' cannot load ${image}: go-package builds it as an archive that no registry has. Set image-load to 'kind' or to a command that imports {archive} (e.g. ctr -n k8s.io images import {archive})`
    )
  }
  if (mode.mode === 'command') {
    if (!mode.command.includes('{archive}')) {
      log.info(
        `The image-load command has no {archive}: loading ${archive} into Docker first (put {archive} in the command to skip Docker)`
      )
      const load = await exec.run('docker', ['load', '--input', archive], { silent: true })
      if (load.exitCode !== 0)
        throw new Error(
          `docker load of ${archive} failed: ${lastLines(load.stderr)}. Put {archive} in the image-load command to load it without Docker`
        )
    }
    await runCustomCommand(
      mode.command,
      { IN_CLUSTER_TEST_IMAGE: image, IN_CLUSTER_TEST_ARCHIVE: archive },
      exec
    )
    return
  }
  if (mode.mode === 'push') throw pushLoads(image)
  if (!ctx.kind)
    throw new Error(
      "image-load 'kind' needs a kind cluster: set cluster: kind, or give an image-load command with {archive}"
    )
  const r = await exec.run(ctx.kind, loadImageArchiveArgs(ctx.clusterName, archive))
  if (r.exitCode !== 0)
    throw new Error(
      `kind load image-archive of ${image} failed: ${lastLines(r.stderr || r.stdout)}`
    )
}
