/**
 * Installs kind, kubectl and helm through the tool cache, verified by sha256 before they are
 * cached. Versions we know are pinned to sums committed here; any other version is checked against
 * the checksum its publisher serves next to the download, and a notice says the sum was not pinned.
 * helm ships as a tarball: the tarball is what is verified and cached, and the binary run is
 * unpacked from a verified tarball every time. Or uses the kind and kubectl the runner has
 * (kind-path, kubectl-path) where they are, never caching them.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { InputError, toolPath } from './inputs/tool-path.js'
import type { Exec, Logger, ToolCache } from './ports.js'
import { lastLines } from './text.js'

export type Tool = 'kind' | 'kubectl' | 'helm'

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
  'kubectl/v1.35.5/linux-arm64': 'ac69e06fd6860d69786692f5af1c3a1208ed54f8366a4d97ab15c172e99765ee',
  // The release tarballs (get.helm.sh); the same sums argo-cd v3.2 verifies its helm against
  // (hack/installers/checksums) and helm's release notes list.
  'helm/v3.18.4/linux-amd64': 'f8180838c23d7c7d797b208861fecb591d9ce1690d8704ed1e4cb8e2add966c1',
  'helm/v3.18.4/linux-arm64': 'c0a45e67eef0c7416a8a8c9e9d5d2d30d70e4f4d3f7bea5de28241fffa8f3b89',
  'helm/v3.18.4/darwin-amd64': '860a7238285b44b5dc7b3c4dad6194316885d7015d77c34e23177e0e9554af8f',
  'helm/v3.18.4/darwin-arm64': '041849741550b20710d7ad0956e805ebd960b483fe978864f8e7fdd03ca84ec8'
}

export function platformOf(nodePlatform: string, nodeArch: string): Platform {
  const os = nodePlatform === 'linux' || nodePlatform === 'darwin' ? nodePlatform : undefined
  const arch = nodeArch === 'x64' ? 'amd64' : nodeArch === 'arm64' ? 'arm64' : undefined
  if (!os || !arch) {
    throw new Error(
      `kind, kubectl and helm are not available for ${nodePlatform}/${nodeArch}; use a Linux or macOS runner`
    )
  }
  return { os, arch }
}

export function downloadUrl(tool: Tool, version: string, p: Platform): string {
  if (tool === 'helm') return `https://get.helm.sh/helm-${version}-${p.os}-${p.arch}.tar.gz`
  return tool === 'kind'
    ? `https://github.com/kubernetes-sigs/kind/releases/download/${version}/kind-${p.os}-${p.arch}`
    : `https://dl.k8s.io/release/${version}/bin/${p.os}/${p.arch}/kubectl`
}

/** Where the publisher serves the checksum: kind and helm as `<sum>  <file>`, kubectl bare. */
export function checksumUrl(tool: Tool, version: string, p: Platform): string {
  return downloadUrl(tool, version, p) + (tool === 'kubectl' ? '.sha256' : '.sha256sum')
}

/** The file kept in the tool cache: the binary, or for helm its release tarball. */
const cachedName = (tool: Tool) => (tool === 'helm' ? 'helm.tar.gz' : tool)

/** The binary to run from a verified cached file: helm is unpacked from its tarball. */
async function runnable(
  tool: Tool,
  file: string,
  platform: Platform,
  cache: ToolCache
): Promise<string> {
  if (tool !== 'helm') {
    cache.addPath(path.dirname(file))
    return file
  }
  const dir = path.join(await cache.extractTar(file), `${platform.os}-${platform.arch}`)
  const binary = path.join(dir, 'helm')
  if (!fs.existsSync(binary))
    throw new Error(`${file} holds no ${platform.os}-${platform.arch}/helm`)
  cache.addPath(dir)
  return binary
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
    const binary = path.join(cached, cachedName(tool))
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
      return runnable(tool, binary, platform, cache)
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
  if (tool !== 'helm') fs.chmodSync(binary, 0o755)
  const dir = await cache.cacheFile(binary, cachedName(tool), tool, version)
  log.info(`${tool} ${version} installed (sha256 ${actual.slice(0, 12)}…)`)
  return runnable(tool, path.join(dir, cachedName(tool)), platform, cache)
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

/**
 * Where `kind-path` or `kubectl-path` points: a bare name is looked up on PATH, anything with a
 * slash is that file (the input parser made it absolute). Only an executable file counts: bash's
 * `command -v` falls back to a non-executable match on PATH, hence the test. Undefined when none.
 */
export const LOCATE_SCRIPT = 'p=$(command -v -- "$1") && [ -f "$p" ] && [ -x "$p" ] && echo "$p"'

export async function locateTool(spec: string, exec: Exec): Promise<string | undefined> {
  const r = await exec.run('bash', ['-c', LOCATE_SCRIPT, 'locate', spec], { silent: true })
  const found = r.stdout.trim()
  // A builtin or function would print a bare word: only a file may run as kind or kubectl.
  return r.exitCode === 0 && path.isAbsolute(found) ? found : undefined
}

/** How the tool says its own version: kind's one line, kubectl's client (no cluster needed). */
export function versionArgs(tool: Tool): string[] {
  return tool === 'kind' ? ['version'] : ['version', '--client']
}

/** The first `vX.Y.Z…` the version command printed, to compare with the version input. */
export function reportedVersion(output: string): string | undefined {
  return output.match(/\bv\d+\.\d+\.\d+[\w.+-]*/)?.[0]
}

/**
 * Uses a kind or kubectl the runner already has (the `<tool>-path` input): nothing is downloaded
 * and nothing enters the tool cache, so no unverified binary can ever be found there under a
 * pinned version. Logs which binary runs and what it says its version is; a missing or broken
 * one fails with the input's name.
 */
export async function useInstalledTool(
  tool: Tool,
  spec: string,
  pinnedVersion: string,
  exec: Exec,
  log: Logger
): Promise<string> {
  const input = `${tool}-path`
  const binary = await locateTool(spec, exec)
  if (!binary) {
    const where = spec.includes('/')
      ? `${spec} is not an executable file`
      : `'${spec}' is not on PATH`
    throw new InputError(
      input,
      `${where}. Install ${tool} on the runner, give the full path of its binary, or leave ${input} empty to download ${tool} ${pinnedVersion} (sha256-verified)`
    )
  }
  const r = await exec.run(binary, versionArgs(tool), { silent: true })
  const said = (r.stdout.trim() || r.stderr.trim()).split(/\r?\n/).join('; ')
  if (r.exitCode !== 0) {
    throw new InputError(
      input,
      `${binary} does not run as ${tool}: \`${tool} ${versionArgs(tool).join(' ')}\` exited ${r.exitCode} (${lastLines(r.stderr || r.stdout)})`
    )
  }
  log.info(
    `Using ${tool} ${binary} (${input}: ${spec}), not downloaded nor checksum-verified by the action: ${said}`
  )
  const version = reportedVersion(said)
  if (version && version !== pinnedVersion)
    log.info(`${tool}-version (${pinnedVersion}) is not used: ${input} names the ${tool} to run`)
  return binary
}

/**
 * The post step's own look-up of kind-path and kubectl-path (raw input values): the binaries it
 * may run besides the tool cache's. A value that does not parse or names nothing is left out.
 */
export async function locateInstalledTools(
  raw: { kind: string; kubectl: string },
  workspace: string,
  exec: Exec
): Promise<{ kind?: string; kubectl?: string }> {
  const out: { kind?: string; kubectl?: string } = {}
  for (const tool of ['kind', 'kubectl'] as const) {
    const value = raw[tool].trim()
    if (!value) continue
    try {
      const found = await locateTool(
        toolPath(`${tool}-path`, value, (p) => path.resolve(workspace, p)),
        exec
      )
      if (found) out[tool] = found
    } catch {
      // A bad value failed main already; the post step just runs nothing it names.
    }
  }
  return out
}
