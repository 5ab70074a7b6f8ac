/**
 * Installs kind and kubectl through the tool cache, verified by sha256 before they are cached.
 * Versions we know are pinned to sums committed here; any other version is checked against the
 * checksum its publisher serves next to the binary, and a notice says the sum was not pinned.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Logger, ToolCache } from './ports.js'

export type Tool = 'kind' | 'kubectl'

export interface Platform {
  os: 'linux' | 'darwin'
  arch: 'amd64' | 'arm64'
}

/**
 * sha256 of release binaries we pin, keyed `tool/version/os-arch`. Each sum was found in several
 * independent public repositories that pin the same release; a version not listed here is still
 * verified, against the checksum file its publisher serves.
 */
export const PINNED_SHA256: Readonly<Record<string, string>> = {
  'kind/v0.32.0/linux-amd64': '50030de23cf40a18505f20426f6a8506bedf13c6e509244bd1fa9463721b0f54',
  'kind/v0.32.0/linux-arm64': 'b92cd615e97585de8ddade28ed5cd7feb4248d717c233eea5b03c37298900f5d',
  'kubectl/v1.35.5/linux-amd64': '90f75ea6ecc9ea5633262e1c0b83a40560003b30fc94a04cb099404fcef0c224',
  'kubectl/v1.35.5/linux-arm64': 'ac69e06fd6860d69786692f5af1c3a1208ed54f8366a4d97ab15c172e99765ee'
}

export function platformOf(nodePlatform: string, nodeArch: string): Platform {
  const os = nodePlatform === 'linux' || nodePlatform === 'darwin' ? nodePlatform : undefined
  const arch = nodeArch === 'x64' ? 'amd64' : nodeArch === 'arm64' ? 'arm64' : undefined
  if (!os || !arch) {
    throw new Error(
      `kind and kubectl are not available for ${nodePlatform}/${nodeArch}; use a Linux or macOS runner`
    )
  }
  return { os, arch }
}

export function downloadUrl(tool: Tool, version: string, p: Platform): string {
  return tool === 'kind'
    ? `https://github.com/kubernetes-sigs/kind/releases/download/${version}/kind-${p.os}-${p.arch}`
    : `https://dl.k8s.io/release/${version}/bin/${p.os}/${p.arch}/kubectl`
}

/** Where the publisher serves the checksum: kind as `<sum>  <file>`, kubectl as the bare sum. */
export function checksumUrl(tool: Tool, version: string, p: Platform): string {
  return downloadUrl(tool, version, p) + (tool === 'kind' ? '.sha256sum' : '.sha256')
}

/** The first 64-hex word of a checksum file, whatever its layout. */
export function parseChecksumFile(text: string): string | undefined {
  return text.match(/\b[a-f0-9]{64}\b/i)?.[0].toLowerCase()
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Returns the directory holding `tool`, installing it on a cache miss, and puts it on PATH.
 * Fails with a message naming the version input on a missing release or a checksum mismatch.
 */
export async function installTool(
  tool: Tool,
  version: string,
  platform: Platform,
  cache: ToolCache,
  log: Logger,
  pinned: Readonly<Record<string, string>> = PINNED_SHA256
): Promise<string> {
  const url = downloadUrl(tool, version, platform)
  const key = `${tool}/${version}/${platform.os}-${platform.arch}`
  const cached = cache.find(tool, version)
  if (cached) {
    // The tool cache is a folder other jobs (on a self-hosted runner) can write: a hit is
    // hashed again before it runs, against the same sum a download must match.
    const binary = path.join(cached, tool)
    let expected = pinned[key]
    try {
      expected ??= await publishedSum(tool, version, platform, cache)
    } catch (e) {
      throw new Error(
        `${tool} ${version} is in the tool cache, but its published checksum could not be fetched to verify it (${(e as Error).message}): use a pinned '${tool}-version' or let the runner reach ${checksumUrl(tool, version, platform)}`,
        { cause: e }
      )
    }
    const actual = fs.existsSync(binary) ? await sha256File(binary) : 'missing'
    if (actual === expected) {
      log.info(`${tool} ${version} found in the tool cache (sha256 verified)`)
      cache.addPath(cached)
      return binary
    }
    log.warning(
      `${tool} ${version} in the tool cache (${binary}) has sha256 ${actual}, expected ${expected}: not running it, downloading it again`
    )
  }
  let expected: string | undefined = pinned[key]
  let binary: string
  try {
    binary = await cache.download(url)
    if (!expected) {
      expected = await publishedSum(tool, version, platform, cache)
      log.info(`${tool} ${version} is not pinned here; verifying against the published checksum`)
    }
  } catch (e) {
    const status = (e as { httpStatusCode?: number }).httpStatusCode
    if (status === 404) {
      throw new Error(
        `${tool} ${version} for ${platform.os}/${platform.arch} was not found at ${url}: check the '${tool}-version' input`,
        { cause: e }
      )
    }
    throw new Error(`Downloading ${tool} ${version} from ${url} failed: ${(e as Error).message}`, {
      cause: e
    })
  }
  const actual = await sha256File(binary)
  if (actual !== expected) {
    throw new Error(
      `${tool} ${version} from ${url} has sha256 ${actual}, expected ${expected}: refusing to run it`
    )
  }
  fs.chmodSync(binary, 0o755)
  const dir = await cache.cacheFile(binary, tool, tool, version)
  cache.addPath(dir)
  log.info(`${tool} ${version} installed (sha256 ${actual.slice(0, 12)}…)`)
  return path.join(dir, tool)
}

async function publishedSum(
  tool: Tool,
  version: string,
  platform: Platform,
  cache: ToolCache
): Promise<string> {
  const url = checksumUrl(tool, version, platform)
  const sum = parseChecksumFile(fs.readFileSync(await cache.download(url), 'utf8'))
  if (!sum) throw new Error(`no sha256 in ${url}`)
  return sum
}
