import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { cleanup, postCleanup } from '../../src/cleanup/cleanup.js'
import {
  createdObjects,
  forgetCreated,
  isCachedTool,
  loadCleanupState,
  markLogsExported,
  memoryStateStore,
  parseCreatedObjects,
  rawCleanupState,
  recordCreated,
  recordRegistryLogin,
  registryLogins,
  saveCleanupState,
  startStateSession,
  STATE_ID_KEY,
  validateCleanupState
} from '../../src/state.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const created = { kindPath: 'kind', clusterName: 'ict', clusterCreated: true, keepCluster: false }

describe('post-step cleanup', () => {
  it('round-trips its state through the store', () => {
    const store = memoryStateStore()
    expect(loadCleanupState(store)).toBeUndefined()
    saveCleanupState(store, { ...created, exportLogsDir: '/logs' })
    expect(loadCleanupState(store)).toEqual({ ...created, exportLogsDir: '/logs' })
  })

  it('exports logs and deletes the cluster it created', async () => {
    const exec = new FakeExec()
    await cleanup({ ...created, exportLogsDir: '/logs' }, exec, new FakeLogger())
    expect(exec.commandLines()).toEqual([
      'kind export logs /logs --name ict',
      'kind delete cluster --name ict'
    ])
  })

  it('does not export again what the main step exported (a run that did not pass)', async () => {
    const store = memoryStateStore()
    saveCleanupState(store, { ...created, exportLogsDir: '/logs' })
    markLogsExported(store)
    const state = validateCleanupState(rawCleanupState(store), {}).state
    expect(state?.logsExported).toBe(true)
    const exec = new FakeExec()
    const log = new FakeLogger()
    await cleanup({ ...created, exportLogsDir: '/logs', logsExported: true }, exec, log)
    expect(exec.commandLines()).toEqual(['kind delete cluster --name ict'])
    expect(log.text('info')).toMatch(/Cluster logs were exported to \/logs by the main step/)
  })

  it('marks nothing when main saved no cleanup state', () => {
    const store = memoryStateStore()
    markLogsExported(store)
    expect(loadCleanupState(store)).toBeUndefined()
  })

  it('never deletes a cluster it did not create, nor one it was told to keep', async () => {
    const exec = new FakeExec()
    await cleanup({ ...created, clusterCreated: false }, exec, new FakeLogger())
    await cleanup({ ...created, keepCluster: true }, exec, new FakeLogger())
    expect(exec.calls).toEqual([])
  })

  it('only warns when export and delete fail (the failure path)', async () => {
    const exec = new FakeExec().on(() => true, {
      exitCode: 1,
      stderr: 'Cannot connect to the Docker daemon'
    })
    const log = new FakeLogger()
    await expect(
      cleanup({ ...created, exportLogsDir: '/logs' }, exec, log)
    ).resolves.toBeUndefined()
    expect(log.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      "Could not export the cluster's logs: kind export logs failed: Cannot connect to the Docker daemon",
      "Could not delete the kind cluster 'ict': kind delete cluster --name ict failed: Cannot connect to the Docker daemon"
    ])
  })

  it('says so when the main step created nothing', async () => {
    const log = new FakeLogger()
    await cleanup(undefined, new FakeExec(), log)
    expect(log.text()).toMatch(/Nothing to clean up/)
  })
})

describe('post step: only what main could have written', () => {
  const toolCache = '/opt/hostedtoolcache'
  const kind = `${toolCache}/kind/v0.32.0/x64/kind`
  const kubectl = `${toolCache}/kubectl/v1.35.5/x64/kubectl`
  const env = { toolCacheDir: toolCache }
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-state-'))
  const actionState = () => {
    const s = memoryStateStore()
    return s
  }

  it('accepts kind and kubectl only from the tool cache', () => {
    expect(isCachedTool(kind, 'kind', toolCache)).toBe(true)
    expect(isCachedTool(kubectl, 'kubectl', toolCache)).toBe(true)
    for (const bad of [
      '/bin/bash',
      'kind',
      `${toolCache}/kind/v0.32.0/x64/bash`,
      `${toolCache}/kind/../../../bin/kind`,
      `${toolCache}/kind/v0.32.0/kind`,
      `${toolCache}/kubectl/v1/x64/kind`,
      `${toolCache}/kind/v0.32.0/x64/sub/kind`,
      `/home/runner/work/repo/kind`
    ]) {
      expect(isCachedTool(bad, 'kind', toolCache)).toBe(false)
    }
    expect(isCachedTool(kind, 'kind', undefined)).toBe(false)
    expect(isCachedTool(42, 'kind', toolCache)).toBe(false)
  })

  it('refuses a forged state field by field, keeping the cluster when unsure', () => {
    const forged = JSON.stringify({
      kindPath: '/bin/bash',
      clusterName: 'x; rm -rf /',
      clusterCreated: true,
      keepCluster: 'no',
      exportLogsDir: 'relative/../x',
      kubectlPath: '/tmp/kubectl'
    })
    const { state, problems } = validateCleanupState(forged, env)
    expect(state).toEqual({ clusterCreated: true, keepCluster: true })
    expect(problems).toEqual([
      'keepCluster is not a boolean: the cluster is kept',
      'the kind path is neither a kind binary in the tool cache nor kind-path: refused',
      'the kubectl path is neither in the tool cache nor kubectl-path: kubectl from PATH is used',
      'the cluster name is not a DNS label: refused',
      'the export-logs folder is not an absolute path: refused'
    ])
    expect(validateCleanupState('{not json', env).problems).toEqual([
      'the saved cleanup state is not JSON: ignored'
    ])
    expect(validateCleanupState('[]', env).state).toBeUndefined()
    expect(validateCleanupState('', env)).toEqual({ problems: [] })
    const good = { kindPath: kind, clusterName: 'ict', clusterCreated: true, keepCluster: false }
    expect(validateCleanupState(JSON.stringify(good), env)).toEqual({ state: good, problems: [] })
  })

  it("runs the runner's own kind and kubectl only when kind-path / kubectl-path name them now", () => {
    const own = {
      kindPath: '/usr/local/bin/kind',
      kubectlPath: '/opt/k8s/kubectl',
      clusterName: 'ict',
      clusterCreated: true,
      keepCluster: false
    }
    const installed = { kind: '/usr/local/bin/kind', kubectl: '/opt/k8s/kubectl' }
    expect(validateCleanupState(JSON.stringify(own), { ...env, installed })).toEqual({
      state: own,
      problems: []
    })
    // The post step located other binaries (or none): the saved paths are not run.
    for (const other of [{}, { kind: '/usr/bin/kind', kubectl: '/usr/bin/kubectl' }]) {
      const { state, problems } = validateCleanupState(JSON.stringify(own), {
        ...env,
        installed: other
      })
      expect(state).toEqual({ clusterName: 'ict', clusterCreated: true, keepCluster: false })
      expect(problems).toHaveLength(2)
    }
  })

  it('lists the created objects it may delete, and refuses the rest', () => {
    const store = memoryStateStore()
    recordCreated(store, { kind: 'Secret', namespace: 'ns', name: 'tests-1-env' })
    recordCreated(store, { kind: 'Job', namespace: 'ns', name: 'tests-1' })
    recordCreated(store, { kind: 'Job', namespace: 'ns', name: 'tests-1' })
    recordCreated(store, { kind: 'Application', namespace: 'argocd', name: 'svc-pr-1' })
    forgetCreated(store, { kind: 'Job', namespace: 'ns', name: 'tests-1' })
    expect(createdObjects(store)).toEqual({
      objects: [
        { kind: 'Secret', namespace: 'ns', name: 'tests-1-env' },
        { kind: 'Application', namespace: 'argocd', name: 'svc-pr-1' }
      ],
      refused: []
    })
    const hostile = JSON.stringify([
      { kind: 'Namespace', namespace: 'ns', name: 'kube-system' },
      { kind: 'Secret', namespace: 'ns', name: '--all' },
      { kind: 'Job', namespace: 'a b', name: 'x' },
      { kind: 'Job', namespace: 'ns', name: 'ok' }
    ])
    const parsed = parseCreatedObjects(hostile)
    expect(parsed.objects).toEqual([{ kind: 'Job', namespace: 'ns', name: 'ok' }])
    expect(parsed.refused).toHaveLength(3)
    expect(parseCreatedObjects('{').refused).toEqual(['the list of created objects is not JSON'])
  })

  it('deletes the created objects with kubectl when the cluster stays', async () => {
    const exec = new FakeExec().on((c) => c.args.includes('jobs.batch'), {
      exitCode: 1,
      stderr: 'error: You must be logged in to the server (Unauthorized)'
    })
    const log = new FakeLogger()
    await cleanup(
      { clusterCreated: false, keepCluster: false, kubectlPath: kubectl, kubeconfigPath: '/k' },
      exec,
      log,
      [
        { kind: 'Secret', namespace: 'ns', name: 'tests-1-env' },
        { kind: 'Job', namespace: 'ns', name: 'tests-1' },
        { kind: 'Application', namespace: 'argocd', name: 'svc' }
      ]
    )
    const tail = '--ignore-not-found --wait=false --request-timeout=30s'
    expect(exec.commandLines()).toEqual([
      `${kubectl} --kubeconfig /k delete applications.argoproj.io svc --namespace argocd ${tail}`,
      `${kubectl} --kubeconfig /k delete jobs.batch tests-1 --namespace ns ${tail}`,
      `${kubectl} --kubeconfig /k delete secrets tests-1-env --namespace ns ${tail}`
    ])
    expect(log.text('warning')).toBe(
      'Could not delete Job ns/tests-1: error: You must be logged in to the server (Unauthorized). Delete it by hand.'
    )
    expect(log.text('info')).toContain('Deleted Secret ns/tests-1-env, which the run created')
  })

  it('skips the objects when it deletes the cluster anyway', async () => {
    const exec = new FakeExec()
    await cleanup(created, exec, new FakeLogger(), [{ kind: 'Job', namespace: 'n', name: 'j' }])
    expect(exec.commandLines()).toEqual(['kind delete cluster --name ict'])
  })

  it('runs nothing a forged state names, and cleans up from main’s own state file', async () => {
    const dir = tmp()
    const state = actionState()
    const mine = startStateSession(state, dir)
    expect(state.get(STATE_ID_KEY)).toMatch(/^[0-9a-f]{32}$/)
    saveCleanupState(mine, {
      kindPath: kind,
      clusterName: 'ict',
      clusterCreated: true,
      keepCluster: true,
      kubectlPath: kubectl,
      kubeconfigPath: '/ws/kubeconfig'
    })
    recordCreated(mine, { kind: 'Secret', namespace: 'ns', name: 'tests-1-env' })
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700')
    // What a test printing ::save-state could do, if commands were not stopped.
    state.save(
      'in-cluster-test-cleanup',
      JSON.stringify({
        kindPath: '/bin/bash',
        clusterName: 'x',
        clusterCreated: true,
        keepCluster: false
      })
    )
    const exec = new FakeExec()
    const log = new FakeLogger()
    await postCleanup(state, dir, env, exec, log)
    expect(exec.commandLines()).toEqual([
      `${kubectl} --kubeconfig /ws/kubeconfig delete secrets tests-1-env --namespace ns --ignore-not-found --wait=false --request-timeout=30s`
    ])
    expect(log.text()).toContain("keep-cluster is true: the kind cluster 'ict' is left running")

    // Acted on: the file is gone, so no other post step does it again.
    expect(fs.readdirSync(dir)).toEqual([])

    // A forged id: post falls back to every state file of the job, not to the forged state.
    const again = startStateSession(actionState(), dir)
    recordCreated(again, { kind: 'Secret', namespace: 'ns', name: 'tests-2-env' })
    state.save(STATE_ID_KEY, '../../etc/passwd')
    const exec2 = new FakeExec()
    const log2 = new FakeLogger()
    await postCleanup(state, dir, env, exec2, log2)
    expect(exec2.commandLines()).toHaveLength(1)
    expect(log2.text('warning')).toMatch(/state id is not one the main step wrote/)
  })

  it('falls back to the action state of an older main step, validated', async () => {
    const state = actionState()
    state.save(
      'in-cluster-test-cleanup',
      JSON.stringify({
        kindPath: '/bin/bash',
        clusterName: 'ict',
        clusterCreated: true,
        keepCluster: false,
        exportLogsDir: '/logs'
      })
    )
    const exec = new FakeExec()
    const log = new FakeLogger()
    await postCleanup(state, tmp(), env, exec, log)
    expect(exec.calls).toEqual([])
    expect(log.text('warning')).toBe(
      'Post step: the kind path is neither a kind binary in the tool cache nor kind-path: refused'
    )
    const nothing = new FakeLogger()
    await postCleanup(actionState(), undefined, env, new FakeExec(), nothing)
    expect(nothing.text()).toMatch(/Nothing to clean up/)
  })

  it('logs out of a registry main logged in to and did not log out of, and of nothing else', async () => {
    const dir = tmp()
    const state = actionState()
    const mine = startStateSession(state, dir)
    recordRegistryLogin(mine, 'ghcr.io', true)
    recordRegistryLogin(mine, '10.200.0.1:5000', true)
    recordRegistryLogin(mine, 'ghcr.io', false)
    expect(registryLogins(mine).hosts).toEqual(['10.200.0.1:5000'])
    mine.save(
      'in-cluster-test-registry-logins',
      JSON.stringify(['10.200.0.1:5000', '--help', 'a b', 7])
    )
    const exec = new FakeExec()
    const log = new FakeLogger()
    await postCleanup(state, dir, env, exec, log)
    expect(exec.commandLines()).toEqual(['docker logout 10.200.0.1:5000'])
    expect(log.text()).toContain('Logged out of 10.200.0.1:5000, which the run logged in to')
    expect(log.text('warning')).toBe(
      [
        'Post step: refused to log out of "--help": not a registry host',
        'Post step: refused to log out of "a b": not a registry host',
        'Post step: refused to log out of 7: not a registry host'
      ].join('\n')
    )
  })
})
