import { describe, expect, it, jest } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  checksumUrl,
  downloadUrl,
  installTool,
  locateInstalledTools,
  locateTool,
  LOCATE_SCRIPT,
  parseChecksumFile,
  PINNED_SHA256,
  platformOf,
  reportedVersion,
  useInstalledTool,
  type Platform
} from '../../src/tools.js'
import { realExec } from '../../src/deps.js'
import type { Exec, ToolCache } from '../../src/ports.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { DEFAULTS } from '../../src/inputs/table.js'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

const linux: Platform = { os: 'linux', arch: 'amd64' }

/** A tool cache backed by real files in a temp dir; "downloads" come from a url→content map. */
function fakeCache(served: Record<string, string | 404>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-tc-'))
  const cached = new Map<string, string>()
  const paths: string[] = []
  const downloads: string[] = []
  let n = 0
  const cache: ToolCache = {
    find: (tool, version) => cached.get(`${tool}@${version}`) ?? '',
    download: async (url) => {
      downloads.push(url)
      const body = served[url]
      if (body === undefined || body === 404) {
        throw Object.assign(new Error('Unexpected HTTP response: 404'), { httpStatusCode: 404 })
      }
      const file = path.join(root, `dl-${n++}`)
      fs.writeFileSync(file, body)
      return file
    },
    extractTar: async () => root,
    cacheFile: async (source, targetName, tool, version) => {
      const dir = path.join(root, 'cache', tool, version)
      fs.mkdirSync(dir, { recursive: true })
      fs.copyFileSync(source, path.join(dir, targetName))
      cached.set(`${tool}@${version}`, dir)
      return dir
    },
    cacheDir: async (source) => source,
    addPath: (dir) => void paths.push(dir)
  }
  return { cache, paths, downloads }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

describe('tool URLs', () => {
  it('points at the release assets and their checksum files', () => {
    expect(downloadUrl('kind', 'v0.29.0', linux)).toBe(
      'https://github.com/kubernetes-sigs/kind/releases/download/v0.29.0/kind-linux-amd64'
    )
    expect(checksumUrl('kind', 'v0.29.0', linux)).toMatch(/kind-linux-amd64\.sha256sum$/)
    expect(downloadUrl('kubectl', 'v1.33.1', { os: 'darwin', arch: 'arm64' })).toBe(
      'https://dl.k8s.io/release/v1.33.1/bin/darwin/arm64/kubectl'
    )
    expect(checksumUrl('kubectl', 'v1.33.1', linux)).toMatch(/kubectl\.sha256$/)
  })

  it('maps Node platforms and refuses Windows', () => {
    expect(platformOf('linux', 'x64')).toEqual(linux)
    expect(platformOf('darwin', 'arm64')).toEqual({ os: 'darwin', arch: 'arm64' })
    expect(() => platformOf('win32', 'x64')).toThrow(/not available for win32\/x64/)
  })

  it('reads both checksum file layouts', () => {
    const h = 'A'.repeat(64)
    expect(parseChecksumFile(`${h}  kind-linux-amd64\n`)).toBe(h.toLowerCase())
    expect(parseChecksumFile(h)).toBe(h.toLowerCase())
    expect(parseChecksumFile('<html>not found</html>')).toBeUndefined()
  })
})

describe('installTool', () => {
  const url = downloadUrl('kind', 'v0.29.0', linux)

  it('installs a pinned binary, caches it and puts it on PATH', async () => {
    const { cache, paths, downloads } = fakeCache({ [url]: 'kind-binary' })
    const log = new FakeLogger()
    const bin = await installTool('kind', 'v0.29.0', linux, cache, log, {
      'kind/v0.29.0/linux-amd64': sha('kind-binary')
    })
    expect(fs.readFileSync(bin, 'utf8')).toBe('kind-binary')
    expect(fs.statSync(bin).mode & 0o111).not.toBe(0)
    expect(paths).toEqual([path.dirname(bin)])
    expect(downloads).toEqual([url])

    // A second install is a cache hit, hashed again: nothing is downloaded again.
    const again = await installTool('kind', 'v0.29.0', linux, cache, log, {
      'kind/v0.29.0/linux-amd64': sha('kind-binary')
    })
    expect(again).toBe(bin)
    expect(downloads).toEqual([url])
    expect(log.text()).toContain('kind v0.29.0 found in the tool cache (sha256 verified)')
  })

  it('re-hashes a cache hit and replaces a tampered one', async () => {
    const pinned = { 'kind/v0.29.0/linux-amd64': sha('kind-binary') }
    const { cache, paths, downloads } = fakeCache({ [url]: 'kind-binary' })
    const bin = await installTool('kind', 'v0.29.0', linux, cache, new FakeLogger(), pinned)
    fs.writeFileSync(bin, '#!/bin/sh\necho owned\n')
    const log = new FakeLogger()
    const again = await installTool('kind', 'v0.29.0', linux, cache, log, pinned)
    expect(log.text('warning')).toBe(
      `kind v0.29.0 in the tool cache (${bin}) has sha256 ${sha('#!/bin/sh\necho owned\n')}, expected ${sha('kind-binary')}: not running it, downloading it again`
    )
    expect(fs.readFileSync(again, 'utf8')).toBe('kind-binary')
    expect(downloads).toEqual([url, url])
    expect(paths).toEqual([path.dirname(bin), path.dirname(again)])
  })

  it('checks an unpinned cache hit against the published checksum', async () => {
    const sumUrl = checksumUrl('kind', 'v0.29.0', linux)
    const { cache, downloads } = fakeCache({
      [url]: 'kind-binary',
      [sumUrl]: `${sha('kind-binary')}  kind-linux-amd64\n`
    })
    const bin = await installTool('kind', 'v0.29.0', linux, cache, new FakeLogger(), {})
    expect(await installTool('kind', 'v0.29.0', linux, cache, new FakeLogger(), {})).toBe(bin)
    expect(downloads).toEqual([url, sumUrl, sumUrl])

    const offline = fakeCache({ [url]: 'kind-binary', [sumUrl]: `${sha('kind-binary')}` })
    await installTool('kind', 'v0.29.0', linux, offline.cache, new FakeLogger(), {})
    const served = offline.cache.download
    offline.cache.download = async (u) =>
      u === sumUrl ? Promise.reject(new Error('ENOTFOUND')) : served(u)
    await expect(
      installTool('kind', 'v0.29.0', linux, offline.cache, new FakeLogger(), {})
    ).rejects.toThrow(
      /in the tool cache, but its published checksum could not be fetched to verify it \(ENOTFOUND\)/
    )
  })

  it('refuses a binary whose sum does not match the pinned one', async () => {
    const { cache, paths } = fakeCache({ [url]: 'tampered' })
    await expect(
      installTool('kind', 'v0.29.0', linux, cache, new FakeLogger(), {
        'kind/v0.29.0/linux-amd64': sha('kind-binary')
      })
    ).rejects.toThrow(
      `has sha256 ${sha('tampered')}, expected ${sha('kind-binary')}: refusing to run it`
    )
    expect(paths).toEqual([])
  })

  it('verifies an unpinned version against the published checksum', async () => {
    const { cache } = fakeCache({
      [url]: 'kind-binary',
      [checksumUrl('kind', 'v0.29.0', linux)]: `${sha('kind-binary')}  kind-linux-amd64\n`
    })
    const log = new FakeLogger()
    await installTool('kind', 'v0.29.0', linux, cache, log, {})
    expect(log.text()).toMatch(/not pinned here; verifying against the published checksum/)

    const bad = fakeCache({
      [url]: 'kind-binary',
      [checksumUrl('kind', 'v0.29.0', linux)]: `${sha('other')}  kind-linux-amd64\n`
    })
    await expect(installTool('kind', 'v0.29.0', linux, bad.cache, log, {})).rejects.toThrow(
      /refusing to run it/
    )
  })

  it('names the version input when the release does not exist', async () => {
    const { cache } = fakeCache({})
    await expect(
      installTool('kubectl', 'v9.9.9', linux, cache, new FakeLogger(), {})
    ).rejects.toThrow(
      "kubectl v9.9.9 for linux/amd64 was not found at https://dl.k8s.io/release/v9.9.9/bin/linux/amd64/kubectl: check the 'kubectl-version' input"
    )
  })
})

describe('pinned sums', () => {
  it('cover the default versions on Linux, as 64-hex sums', async () => {
    const { DEFAULTS } = await import('../../src/inputs/index.js')
    const { PINNED_SHA256 } = await import('../../src/tools.js')
    for (const arch of ['amd64', 'arm64']) {
      expect(PINNED_SHA256[`kind/${DEFAULTS['kind-version']}/linux-${arch}`]).toMatch(
        /^[a-f0-9]{64}$/
      )
      expect(PINNED_SHA256[`kubectl/${DEFAULTS['kubectl-version']}/linux-${arch}`]).toMatch(
        /^[a-f0-9]{64}$/
      )
    }
  })
})

describe('installTool for helm (a release tarball)', () => {
  const version = 'v3.18.4'
  const url = downloadUrl('helm', version, linux)

  // Every file these tests write lives under one private directory, removed afterwards: a fixed
  // name in the shared /tmp can belong to another user (CI runs the tests as a non-root user
  // after root has run them) and fail the download with EACCES.
  let scratch = ''
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-helm-'))
  })
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

  /** A tarball shaped like helm's release: linux-amd64/helm, linux-amd64/LICENSE. */
  function helmTarball(script: string): Buffer {
    const dir = fs.mkdtempSync(path.join(scratch, 'tgz-'))
    fs.mkdirSync(path.join(dir, 'linux-amd64'))
    fs.writeFileSync(path.join(dir, 'linux-amd64', 'helm'), script, { mode: 0o755 })
    fs.writeFileSync(path.join(dir, 'linux-amd64', 'LICENSE'), 'Apache-2.0\n')
    execFileSync('tar', ['-czf', path.join(dir, 'helm.tar.gz'), '-C', dir, 'linux-amd64'])
    return fs.readFileSync(path.join(dir, 'helm.tar.gz'))
  }

  /** fakeCache, with a binary download and a real extraction. */
  function tarCache(tarball: Buffer) {
    const c = fakeCache({})
    let n = 0
    c.cache.download = async (u) => {
      c.downloads.push(u)
      if (u !== url) throw Object.assign(new Error('404'), { httpStatusCode: 404 })
      const f = path.join(scratch, `download-${n++}`)
      fs.writeFileSync(f, tarball)
      return f
    }
    c.cache.extractTar = async (file) => {
      const out = fs.mkdtempSync(path.join(scratch, 'x-'))
      execFileSync('tar', ['-xzf', file, '-C', out])
      return out
    }
    return c
  }

  it('points at get.helm.sh and its .sha256sum', () => {
    expect(url).toBe('https://get.helm.sh/helm-v3.18.4-linux-amd64.tar.gz')
    expect(checksumUrl('helm', version, { os: 'darwin', arch: 'arm64' })).toBe(
      'https://get.helm.sh/helm-v3.18.4-darwin-arm64.tar.gz.sha256sum'
    )
  })

  it('pins the default version on every platform it runs on', () => {
    for (const p of ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64'])
      expect(PINNED_SHA256[`helm/${DEFAULTS['helm-version']}/${p}`]).toMatch(/^[0-9a-f]{64}$/)
  })

  it('verifies the tarball, caches it, and runs helm unpacked from it', async () => {
    const tarball = helmTarball('#!/bin/sh\necho v3.18.4\n')
    const pinned = { 'helm/v3.18.4/linux-amd64': sha256(tarball) }
    const { cache, paths, downloads } = tarCache(tarball)
    const bin = await installTool('helm', version, linux, cache, new FakeLogger(), pinned)
    expect(path.basename(bin)).toBe('helm')
    expect(path.basename(path.dirname(bin))).toBe('linux-amd64')
    expect(execFileSync(bin, { encoding: 'utf8' })).toBe('v3.18.4\n')
    expect(paths).toEqual([path.dirname(bin)])

    // A cache hit: the cached tarball hashed again, helm unpacked again, nothing downloaded.
    const log = new FakeLogger()
    const again = await installTool('helm', version, linux, cache, log, pinned)
    expect(execFileSync(again, { encoding: 'utf8' })).toBe('v3.18.4\n')
    expect(downloads).toEqual([url])
    expect(log.text()).toContain('helm v3.18.4 found in the tool cache (sha256 verified)')
  })

  it('refuses a tarball whose sum is not the pinned one, naming both', async () => {
    const tarball = helmTarball('#!/bin/sh\necho owned\n')
    const { cache } = tarCache(tarball)
    await expect(
      installTool('helm', version, linux, cache, new FakeLogger(), {
        'helm/v3.18.4/linux-amd64': 'f'.repeat(64)
      })
    ).rejects.toThrow(
      `helm v3.18.4 from ${url} has sha256 ${sha256(tarball)}, expected ${'f'.repeat(64)}: refusing to run it`
    )
  })

  it('names the helm-version input when the release does not exist', async () => {
    const { cache } = tarCache(Buffer.from(''))
    await expect(
      installTool('helm', 'v3.99.0', linux, cache, new FakeLogger(), {})
    ).rejects.toThrow(
      /helm v3\.99\.0 for linux\/amd64 was not found at .*: check the 'helm-version' input/
    )
  })
})

// What `kind version` and `kubectl version --client` print, captured from real binaries.
const kindVersionOut = fs.readFileSync('__fixtures__/tools/kind-version.txt', 'utf8')
const kubectlVersionOut = fs.readFileSync('__fixtures__/tools/kubectl-version-client.txt', 'utf8')

/** A runner whose PATH holds `kind` at /usr/local/bin and `kubectl` at /opt/k8s/bin. */
function runnerWithTools() {
  const onPath: Record<string, string> = {
    kind: '/usr/local/bin/kind',
    kubectl: '/opt/k8s/bin/kubectl',
    '/usr/local/bin/kind': '/usr/local/bin/kind',
    '/opt/k8s/bin/kubectl': '/opt/k8s/bin/kubectl'
  }
  return new FakeExec()
    .on(
      (c) => c.command === 'bash' && c.args[1] === LOCATE_SCRIPT,
      (c) => (onPath[c.args[3]] ? { stdout: `${onPath[c.args[3]]}\n` } : { exitCode: 1 })
    )
    .on((c) => c.command === '/usr/local/bin/kind', { stdout: kindVersionOut })
    .on((c) => c.command === '/opt/k8s/bin/kubectl', { stdout: kubectlVersionOut })
}

describe("the runner's own kind and kubectl (kind-path, kubectl-path)", () => {
  it('reads the version from what the binaries print', () => {
    expect(reportedVersion(kindVersionOut)).toBe('v0.32.0')
    expect(reportedVersion(kubectlVersionOut)).toBe('v1.32.4-dispatcher')
    expect(reportedVersion('no version here')).toBeUndefined()
  })

  it('uses the binary found on PATH and logs which one and its version', async () => {
    const exec = runnerWithTools()
    const log = new FakeLogger()
    expect(await useInstalledTool('kind', 'kind', 'v0.32.0', exec, log)).toBe('/usr/local/bin/kind')
    expect(await useInstalledTool('kubectl', 'kubectl', 'v1.35.5', exec, log)).toBe(
      '/opt/k8s/bin/kubectl'
    )
    expect(exec.commandLines()).toEqual([
      `bash -c ${LOCATE_SCRIPT} locate kind`,
      '/usr/local/bin/kind version',
      `bash -c ${LOCATE_SCRIPT} locate kubectl`,
      '/opt/k8s/bin/kubectl version --client'
    ])
    expect(log.text('info').split('\n')).toEqual([
      `Using kind /usr/local/bin/kind (kind-path: kind), not downloaded nor checksum-verified by the action: ${kindVersionOut.trim()}`,
      `Using kubectl /opt/k8s/bin/kubectl (kubectl-path: kubectl), not downloaded nor checksum-verified by the action: ${kubectlVersionOut.trim().split('\n').join('; ')}`,
      'kubectl-version (v1.35.5) is not used: kubectl-path names the kubectl to run'
    ])
  })

  it('uses a binary given by its path', async () => {
    const log = new FakeLogger()
    expect(
      await useInstalledTool('kind', '/usr/local/bin/kind', 'v0.31.0', runnerWithTools(), log)
    ).toBe('/usr/local/bin/kind')
    expect(log.text('info')).toMatch(/kind-version \(v0\.31\.0\) is not used/)
  })

  it('fails naming the input when the binary is missing', async () => {
    const exec = runnerWithTools()
    await expect(
      useInstalledTool('kind', 'kind-0.32', 'v0.32.0', exec, new FakeLogger())
    ).rejects.toThrow(
      "Input 'kind-path': 'kind-0.32' is not on PATH. Install kind on the runner, give the full path of its binary, or leave kind-path empty to download kind v0.32.0 (sha256-verified)"
    )
    await expect(
      useInstalledTool('kubectl', '/opt/kubectl', 'v1.35.5', exec, new FakeLogger())
    ).rejects.toThrow(/^Input 'kubectl-path': \/opt\/kubectl is not an executable file\. /)
  })

  it('fails naming the input when the binary does not run as that tool', async () => {
    const exec = new FakeExec()
      .on((c) => c.command === 'bash', { stdout: '/usr/bin/kind\n' })
      .on((c) => c.command === '/usr/bin/kind', {
        exitCode: 126,
        stderr: 'cannot execute binary file'
      })
    await expect(
      useInstalledTool('kind', 'kind', 'v0.32.0', exec, new FakeLogger())
    ).rejects.toThrow(
      "Input 'kind-path': /usr/bin/kind does not run as kind: `kind version` exited 126 (cannot execute binary file)"
    )
  })

  it('never downloads nor caches the binary it is given', async () => {
    const { cache, downloads, paths } = fakeCache({})
    const cacheFile = jest.spyOn(cache, 'cacheFile')
    await useInstalledTool('kind', 'kind', 'v0.32.0', runnerWithTools(), new FakeLogger())
    expect(downloads).toEqual([])
    expect(paths).toEqual([])
    expect(cacheFile).not.toHaveBeenCalled()
    expect(cache.find('kind', 'v0.32.0')).toBe('')
  })

  it('locates with the real shell: PATH for a name, the file for a path, executables only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-bin-'))
    const bin = path.join(dir, 'kind')
    fs.writeFileSync(bin, '#!/bin/sh\necho kind v0.32.0 go1.26.8 linux/amd64\n', { mode: 0o755 })
    fs.writeFileSync(path.join(dir, 'kubectl'), 'not executable', { mode: 0o644 })
    // The child's PATH (jest's process.env is not the one child processes inherit).
    const exec: Exec = {
      run: (c, a, o) => realExec.run(c, a, { ...o, env: { PATH: dir } })
    }
    expect(await locateTool('kind', exec)).toBe(bin)
    expect(await locateTool(bin, exec)).toBe(bin)
    expect(await locateTool(path.join(dir, 'kubectl'), exec)).toBeUndefined()
    expect(await locateTool(dir, exec)).toBeUndefined()
    expect(await locateTool('no-such-tool-here', exec)).toBeUndefined()
    // A builtin is not a file to run.
    expect(await locateTool('cd', exec)).toBeUndefined()
    // What the post step finds again from the raw inputs (relative paths from the workspace).
    expect(await locateInstalledTools({ kind: ' ./kind ', kubectl: 'kubectl' }, dir, exec)).toEqual(
      { kind: bin }
    )
    expect(await locateInstalledTools({ kind: '', kubectl: 'a b' }, dir, exec)).toEqual({})
  })
})
