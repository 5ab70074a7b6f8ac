/**
 * Builds the test image and tags it by its content (the image ID), never `latest`: the kubelet
 * must find exactly this build on the node and never try to pull it.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'

export interface BuildOptions {
  dockerfile: string
  context: string
  buildArgs: Record<string, string>
  repository: string
  /** Folder for the image-ID file. */
  workDir: string
}

export function dockerBuildArgs(o: BuildOptions, iidFile: string): string[] {
  const args = ['build', '--file', o.dockerfile, '--iidfile', iidFile]
  for (const [k, v] of Object.entries(o.buildArgs)) args.push('--build-arg', `${k}=${v}`)
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
  const iidFile = path.join(o.workDir, 'image-id')
  fs.rmSync(iidFile, { force: true })
  const result = await exec.run('docker', dockerBuildArgs(o, iidFile))
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
