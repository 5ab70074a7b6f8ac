import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { provisionCluster, type ProvisionDeps } from '../../src/stages/cluster.js'
import type { ClusterInputs } from '../../src/inputs/types.js'
import type { ToolCache } from '../../src/ports.js'
import { loadCleanupState, memoryStateStore } from '../../src/state.js'
import { downloadUrl, LOCATE_SCRIPT, PINNED_SHA256 } from '../../src/tools.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const kindVersionOut = fs.readFileSync('__fixtures__/tools/kind-version.txt', 'utf8')
const kubectlVersionOut = fs.readFileSync('__fixtures__/tools/kubectl-version-client.txt', 'utf8')

const inputs: ClusterInputs = {
  mode: 'kind',
  kindVersion: 'v0.32.0',
  kubectlVersion: 'v1.35.5',
  name: 'ict',
  keepCluster: false
}

/** A tool cache that records what it is asked and serves `served` as every download. */
function recordingCache(served = 'not the release') {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-stage-tc-'))
  const calls: string[] = []
  const cache: ToolCache = {
    find: (tool, version) => (calls.push(`find ${tool} ${version}`), ''),
    download: async (url) => {
      calls.push(`download ${url}`)
      const f = path.join(root, `dl-${calls.length}`)
      fs.writeFileSync(f, served)
      return f
    },
    extractTar: async () => root,
    cacheFile: async (_s, _t, tool, version) => (calls.push(`cacheFile ${tool} ${version}`), root),
    cacheDir: async () => root,
    addPath: (dir) => void calls.push(`addPath ${dir}`)
  }
  return { cache, calls }
}

/** A runner with kind in /usr/local/bin and kubectl in /opt/k8s/bin, and no cluster yet. */
function runner() {
  const onPath: Record<string, string> = {
    kind: '/usr/local/bin/kind',
    '/opt/k8s/bin/kubectl': '/opt/k8s/bin/kubectl'
  }
  return new FakeExec()
    .on(
      (c) => c.command === 'bash' && c.args[1] === LOCATE_SCRIPT,
      (c) => (onPath[c.args[3]] ? { stdout: `${onPath[c.args[3]]}\n` } : { exitCode: 1 })
    )
    .on((c) => c.command === '/usr/local/bin/kind' && c.args[0] === 'version', {
      stdout: kindVersionOut
    })
    .on((c) => c.command === '/opt/k8s/bin/kubectl', { stdout: kubectlVersionOut })
}

function deps(exec: FakeExec, cache: ToolCache) {
  const log = new FakeLogger()
  const state = memoryStateStore()
  const d: ProvisionDeps = {
    exec,
    toolCache: cache,
    log,
    state,
    platform: { os: 'linux', arch: 'amd64' },
    templatesDir: 'templates'
  }
  return { d, log, state }
}

describe('the cluster stage with kind-path and kubectl-path', () => {
  it("creates the cluster with the runner's own binaries, logs them, and caches nothing", async () => {
    const exec = runner()
    const { cache, calls } = recordingCache()
    const { d, log, state } = deps(exec, cache)
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-stage-'))
    const cluster = await provisionCluster(
      { ...inputs, kindPath: 'kind', kubectlPath: '/opt/k8s/bin/kubectl' },
      work,
      d
    )
    expect(cluster).toMatchObject({
      kind: '/usr/local/bin/kind',
      kubectl: '/opt/k8s/bin/kubectl',
      created: true
    })
    expect(calls).toEqual([])
    expect(exec.commandLines()).toContain(
      `/usr/local/bin/kind create cluster --name ict --config templates/kind-config.yaml --kubeconfig ${work}/kubeconfig --wait 120s`
    )
    expect(log.text('info')).toContain(
      `Using kind /usr/local/bin/kind (kind-path: kind), not downloaded nor checksum-verified by the action: ${kindVersionOut.trim()}`
    )
    expect(log.text('info')).toContain(
      'Using kubectl /opt/k8s/bin/kubectl (kubectl-path: /opt/k8s/bin/kubectl)'
    )
    // The post step deletes the cluster with the same kind (it accepts it if kind-path names it).
    expect(loadCleanupState(state)).toMatchObject({
      kindPath: '/usr/local/bin/kind',
      kubectlPath: '/opt/k8s/bin/kubectl',
      clusterCreated: true
    })
  })

  it('fails naming kind-path when that kind is missing, before any cluster is made', async () => {
    const exec = runner()
    const { cache, calls } = recordingCache()
    await expect(
      provisionCluster({ ...inputs, kindPath: '/opt/kind/kind' }, os.tmpdir(), deps(exec, cache).d)
    ).rejects.toThrow(
      "Input 'kind-path': /opt/kind/kind is not an executable file. Install kind on the runner, give the full path of its binary, or leave kind-path empty to download kind v0.32.0 (sha256-verified)"
    )
    expect(exec.commandLines().some((l) => l.includes('create cluster'))).toBe(false)
    expect(calls.filter((c) => c.startsWith('cacheFile'))).toEqual([])
  })

  it('uses kubectl-path with an existing cluster too, and saves it for the post step', async () => {
    const exec = runner()
    const { cache, calls } = recordingCache()
    const { d, state } = deps(exec, cache)
    const cluster = await provisionCluster(
      {
        ...inputs,
        mode: 'existing',
        kubeconfig: '/home/me/.kube/config',
        kubectlPath: '/opt/k8s/bin/kubectl'
      },
      os.tmpdir(),
      d
    )
    expect(cluster.kubectl).toBe('/opt/k8s/bin/kubectl')
    expect(calls).toEqual([])
    expect(loadCleanupState(state)?.kubectlPath).toBe('/opt/k8s/bin/kubectl')
  })

  it('without them still downloads the pinned release and refuses one that does not match', async () => {
    const exec = runner()
    const { cache, calls } = recordingCache('a tampered kind')
    // kind and kubectl are fetched side by side: whichever is refused first ends the stage.
    const pinned = [
      PINNED_SHA256['kind/v0.32.0/linux-amd64'],
      PINNED_SHA256['kubectl/v1.35.5/linux-amd64']
    ]
    await expect(provisionCluster(inputs, os.tmpdir(), deps(exec, cache).d)).rejects.toThrow(
      new RegExp(
        `has sha256 ${createHash('sha256').update('a tampered kind').digest('hex')}, expected (${pinned.join('|')}): refusing to run it`
      )
    )
    expect(calls).toContain(
      `download ${downloadUrl('kind', 'v0.32.0', { os: 'linux', arch: 'amd64' })}`
    )
    // Nothing unverified is cached under the pinned version, and the runner's kind is not asked.
    expect(calls.filter((c) => c.startsWith('cacheFile') || c.startsWith('addPath'))).toEqual([])
    expect(exec.calls).toEqual([])
  })
})
