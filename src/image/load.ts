/** Makes the built image available to the cluster's nodes without a registry. */
import * as path from 'node:path'
import type { ImageLoad } from '../inputs/types.js'
import type { Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'
import { loadDockerImageArgs, loadImageArchiveArgs } from '../kind/argv.js'

export interface LoadContext {
  kind?: string
  clusterName: string
  workDir: string
}

/**
 * The custom command runs in bash with `{image}` replaced by a reference to an environment
 * variable, so an image name can never become shell syntax.
 */
export function customLoadCommand(template: string): string {
  return template.split('{image}').join('"$IN_CLUSTER_TEST_IMAGE"')
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
    const r = await exec.run('bash', ['-o', 'pipefail', '-c', customLoadCommand(mode.command)], {
      env: { IN_CLUSTER_TEST_IMAGE: image }
    })
    if (r.exitCode !== 0) {
      throw new Error(
        `The image-load command failed (exit ${r.exitCode}): ${lastLines(r.stderr || r.stdout)}`
      )
    }
    return
  }
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
  const save = await exec.run('docker', ['save', '--output', archive, image])
  if (save.exitCode !== 0) throw new Error(`docker save ${image} failed: ${lastLines(save.stderr)}`)
  const viaArchive = await exec.run(ctx.kind, loadImageArchiveArgs(ctx.clusterName, archive))
  if (viaArchive.exitCode !== 0) {
    throw new Error(`Loading ${image} into kind failed: ${lastLines(viaArchive.stderr)}`)
  }
}
