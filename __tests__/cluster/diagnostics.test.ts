import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  containerLogFile,
  eventTable,
  exportDiagnostics,
  nodeTable,
  podTable,
  sortEvents
} from '../../src/cluster/diagnostics.js'
import { diagnosticsStage } from '../../src/stages/diagnostics.js'
import { Redactor } from '../../src/secrets/redact.js'
import { loadCleanupState, memoryStateStore, saveCleanupState } from '../../src/state.js'
import { StageTimer } from '../../src/timing.js'
import type { EventLike, KubeObject, NodeLike, PodLike } from '../../src/k8s/types.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeKube, realFixture } from '../../__fixtures__/fake-kube.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-diag-'))
const SECRET = 'hunter2-db-password'

const node = (name: string, ready: string, extra: object[] = []): NodeLike & KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
      ...extra,
      {
        type: 'Ready',
        status: ready,
        reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
        message:
          ready === 'True'
            ? 'kubelet is posting ready status'
            : 'Kubelet stopped posting node status.'
      }
    ],
    nodeInfo: { architecture: 'amd64', kubeletVersion: 'v1.32.9' }
  }
})

const pod = (
  namespace: string,
  name: string,
  containers: string[],
  restarts = 0
): PodLike & KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, managedFields: [{ manager: 'kubelet' }] } as PodLike['metadata'],
  spec: { containers: containers.map((c) => ({ name: c, image: `${c}:1` })) },
  status: {
    phase: 'Running',
    containerStatuses: containers.map((c, i) => ({
      name: c,
      ready: i === 0,
      restartCount: i === 0 ? restarts : 0,
      state: i === 0 ? { running: {} } : { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: restarts ? { terminated: { reason: 'OOMKilled', exitCode: 137 } } : {}
    }))
  }
})

const event = (
  time: string,
  reason: string,
  name: string,
  namespace = 'default'
): EventLike & KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${name}.${reason}`, namespace },
  type: reason === 'Started' ? 'Normal' : 'Warning',
  reason,
  message: `${reason} of ${name}`,
  count: 1,
  involvedObject: { kind: 'Pod', name, namespace },
  lastTimestamp: time
})

/** A cluster of two nodes, system and service pods, events, and a Secret that must stay in it. */
function cluster(): FakeKube {
  const kube = new FakeKube()
  const put = (o: KubeObject) =>
    kube.objects.set(`${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o)
  put(node('ict-control-plane', 'True'))
  put(
    node('ict-worker', 'Unknown', [
      { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure' }
    ])
  )
  put(pod('kube-system', 'kube-apiserver-ict-control-plane', ['kube-apiserver']))
  put(pod('kube-system', 'coredns-abc', ['coredns'], 2))
  put(pod('example', 'workflows-5d9', ['api', 'sidecar']))
  put(event('2026-11-25T04:00:09Z', 'BackOff', 'workflows-5d9', 'example'))
  put(event('2026-11-25T04:00:01Z', 'Started', 'coredns-abc', 'kube-system'))
  put({
    ...event('', 'FailedMount', 'coredns-abc', 'kube-system'),
    eventTime: '2026-11-25T04:00:05.000000Z'
  } as KubeObject)
  put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'example' },
    data: { password: Buffer.from(SECRET).toString('base64') },
    stringData: { password: SECRET }
  } as KubeObject)
  kube.containerLogs.set('kube-apiserver-ict-control-plane/kube-apiserver', 'I1125 apiserver up\n')
  kube.containerLogs.set('coredns-abc/coredns', `[INFO] plugin/reload: connecting with ${SECRET}\n`)
  kube.containerLogs.set('coredns-abc/coredns/previous', '[FATAL] out of memory\n')
  kube.nodeLogs.set('ict-control-plane/kubelet', 'line 1\nline 2\nkubelet: Started kubelet\n')
  return kube
}

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8')
const everything = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n')

describe('exportDiagnostics of an existing cluster (through the API)', () => {
  it('writes nodes, pods, events, kube-system logs and the kubelet logs it may read', async () => {
    const dir = tmp()
    const kube = cluster()
    const log = new FakeLogger()
    const files = await exportDiagnostics(
      { dir, redactor: Redactor.from([SECRET]) },
      { kube, exec: new FakeExec(), log }
    )
    expect(files).toEqual([
      'events.json',
      'events.txt',
      'kubelet/ict-control-plane.log',
      'logs/kube-system/coredns-abc/coredns.log',
      'logs/kube-system/coredns-abc/coredns.previous.log',
      'logs/kube-system/kube-apiserver-ict-control-plane/kube-apiserver.log',
      'nodes.json',
      'nodes.txt',
      'pods.json',
      'pods.txt'
    ])
    // Only kube-system's pods: the service's own logs are output-dir/service's business.
    expect(new Set(kube.readLogCalls.map((c) => c.pod))).toEqual(
      new Set(['kube-apiserver-ict-control-plane', 'coredns-abc'])
    )
    expect(read(dir, 'logs/kube-system/coredns-abc/coredns.previous.log')).toBe(
      '[FATAL] out of memory\n'
    )
    expect(read(dir, 'kubelet/ict-control-plane.log')).toMatch(/Started kubelet/)
    // ict-worker's kubelet answered 403: skipped without a word above debug.
    expect(log.text('warning')).toBe('')
    expect(log.text('debug')).toMatch(/No kubelet log of ict-worker: .*403 Forbidden/)
  })

  it("never writes a Secret, and redacts the run's secret values wherever they appear", async () => {
    const dir = tmp()
    await exportDiagnostics(
      { dir, redactor: Redactor.from([SECRET]) },
      { kube: cluster(), exec: new FakeExec(), log: new FakeLogger() }
    )
    const all = everything(dir)
    expect(all).not.toContain(SECRET)
    expect(all).not.toContain(Buffer.from(SECRET).toString('base64'))
    expect(all).not.toMatch(/"kind": "Secret"/)
    expect(all).not.toMatch(/kubeconfig|client-key-data|token:/)
    expect(read(dir, 'logs/kube-system/coredns-abc/coredns.log')).toBe(
      '[INFO] plugin/reload: connecting with ***\n'
    )
    expect(read(dir, 'pods.json')).not.toContain('managedFields')
  })

  it('keeps to the caps: per log and in total', async () => {
    const run = async (caps: { perLog: number; total: number }) => {
      const dir = tmp()
      const kube = cluster()
      kube.nodeLogs.set('ict-control-plane/kubelet', 'x'.repeat(90) + '\nlast kubelet line\n')
      const files = await exportDiagnostics(
        { dir, redactor: Redactor.from([]), caps },
        { kube, exec: new FakeExec(), log: new FakeLogger() }
      )
      return { dir, kube, files }
    }
    // The system logs take 99 bytes; the kubelet's is cut to its last 50, from a line's start.
    const roomy = await run({ perLog: 50, total: 200 })
    expect(roomy.kube.readLogCalls.map((c) => c.limitBytes)).toEqual([50, 50, 50])
    expect(roomy.kube.readLogCalls.every((c) => c.tailLines === 10000)).toBe(true)
    expect(read(roomy.dir, 'kubelet/ict-control-plane.log')).toBe('last kubelet line\n')
    // Spent after two logs: the rest is not read at all.
    const tight = await run({ perLog: 50, total: 60 })
    expect(tight.kube.readLogCalls.map((c) => [c.pod, c.limitBytes])).toEqual([
      ['kube-apiserver-ict-control-plane', 50],
      ['coredns-abc', 41]
    ])
    expect(tight.files.filter((f) => f.startsWith('kubelet/'))).toEqual([])
  })

  it('writes what it could read when the pods are forbidden, saying so once', async () => {
    const dir = tmp()
    const kube = cluster()
    const list = kube.list.bind(kube)
    kube.list = (async (apiVersion: string, kind: string, ns?: string) =>
      kind === 'Pod'
        ? Promise.reject(
            new Error(
              'Listing Pod: pods is forbidden: User "ci" cannot list resource "pods" (403 Forbidden)'
            )
          )
        : list(apiVersion, kind, ns)) as FakeKube['list']
    const log = new FakeLogger()
    const files = await exportDiagnostics(
      { dir, redactor: Redactor.from([]) },
      { kube, exec: new FakeExec(), log }
    )
    expect(files).toContain('nodes.txt')
    expect(files).toContain('events.txt')
    expect(files.filter((f) => f.startsWith('logs/'))).toEqual([])
    expect(log.text('warning')).toBe(
      'Cluster diagnostics: could not read the pods: Listing Pod: pods is forbidden: User "ci" cannot list resource "pods" (403 Forbidden)'
    )
  })
})

describe('exportDiagnostics of a kind cluster', () => {
  it('runs kind export logs into the folder and redacts what it wrote', async () => {
    const dir = tmp()
    const kube = cluster()
    const exec = new FakeExec().on(
      (c) => c.command === '/tools/kind' && c.args[0] === 'export',
      (c) => {
        const out = path.join(c.args[2], 'ict-control-plane', 'containers.log')
        fs.mkdirSync(path.dirname(out), { recursive: true })
        fs.writeFileSync(out, `db password ${SECRET}\n`)
        return {}
      }
    )
    const files = await exportDiagnostics(
      { dir, kind: { path: '/tools/kind', clusterName: 'ict' }, redactor: Redactor.from([SECRET]) },
      { kube, exec, log: new FakeLogger() }
    )
    expect(exec.commandLines()).toEqual([`/tools/kind export logs ${dir} --name ict`])
    expect(files).toEqual(['ict-control-plane/containers.log'])
    expect(read(dir, files[0])).toBe('db password ***\n')
    expect(kube.readLogCalls).toEqual([])
  })
})

describe('diagnosticsStage', () => {
  const deps = (state = memoryStateStore(), exec = new FakeExec()) => {
    const log = new FakeLogger()
    return {
      exec,
      log,
      state,
      timer: new StageTimer(new FakeClock()),
      redactor: Redactor.from([])
    }
  }
  const kindCluster = { kind: '/tools/kind', name: 'ict' }

  it('exports in main when the run did not pass, and tells the post step', async () => {
    const dir = tmp()
    const state = memoryStateStore()
    saveCleanupState(state, {
      kindPath: '/tools/kind',
      clusterName: 'ict',
      clusterCreated: true,
      keepCluster: false,
      exportLogsDir: dir
    })
    const d = deps(state)
    await diagnosticsStage({ exportLogs: dir }, { status: 'failed', cluster: kindCluster }, d)
    expect(d.exec.commandLines()).toEqual([`/tools/kind export logs ${dir} --name ict`])
    expect(loadCleanupState(state)?.logsExported).toBe(true)
    expect(d.timer.list().map((t) => t.stage)).toEqual(['cluster diagnostics'])
  })

  it('leaves a passed run, a run without export-logs and one without a cluster alone', async () => {
    const d = deps()
    await diagnosticsStage({ exportLogs: tmp() }, { status: 'passed', cluster: kindCluster }, d)
    await diagnosticsStage({}, { status: 'error', cluster: kindCluster }, d)
    await diagnosticsStage({ exportLogs: tmp() }, { status: 'error' }, d)
    expect(d.exec.calls).toEqual([])
    expect(d.log.lines).toEqual([])
  })

  it('only warns when the export fails, and leaves it to the post step', async () => {
    const state = memoryStateStore()
    saveCleanupState(state, { clusterCreated: true, keepCluster: false })
    const d = deps(
      state,
      new FakeExec().on(() => true, { exitCode: 1, stderr: 'Cannot connect to the Docker daemon' })
    )
    const files = await diagnosticsStage(
      { exportLogs: tmp() },
      { status: 'timeout', cluster: kindCluster },
      d
    )
    expect(files).toEqual([])
    expect(d.log.text('warning')).toMatch(
      /Could not export the cluster's logs to .*: kind export logs failed: Cannot connect to the Docker daemon/
    )
    expect(loadCleanupState(state)?.logsExported).toBeUndefined()
  })
})

describe('the text files', () => {
  it('tables the nodes with what is wrong with them', () => {
    const text = nodeTable([
      node('ict-control-plane', 'True'),
      node('ict-worker', 'Unknown', [
        { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure' }
      ])
    ])
    expect(text.split('\n')[0]).toMatch(/^NAME\s+READY\s+VERSION\s+ARCH\s+CONDITIONS$/)
    expect(text).toMatch(/ict-control-plane\s+True\s+v1\.32\.9\s+amd64\n/)
    expect(text).toMatch(
      /ict-worker\s+Unknown\s+v1\.32\.9\s+amd64\s+Ready=Unknown: NodeStatusUnknown Kubelet stopped posting node status\.; DiskPressure=True \(KubeletHasDiskPressure\)/
    )
  })

  it('tables the pods by namespace with restarts and reasons', () => {
    const text = podTable([
      pod('kube-system', 'coredns-abc', ['coredns'], 2),
      pod('example', 'workflows-5d9', ['api', 'sidecar'])
    ])
    const [header, first, second] = text.trimEnd().split('\n')
    expect(header).toMatch(/^NAMESPACE\s+NAME\s+PHASE\s+READY\s+RESTARTS\s+REASONS$/)
    expect(first).toMatch(
      /^example\s+workflows-5d9\s+Running\s+1\/2\s+0\s+sidecar: CrashLoopBackOff$/
    )
    expect(second).toMatch(/^kube-system\s+coredns-abc\s+Running\s+1\/1\s+2\s+coredns: OOMKilled$/)
  })

  it('reads a real pod as the API returns it', () => {
    const text = podTable([realFixture<PodLike>('pod-oomkilled')])
    expect(text).toMatch(/OOMKilled/)
  })

  it('sorts events by when they happened, whichever time field the reporter filled', () => {
    const events = [
      event('2026-11-25T04:00:09Z', 'BackOff', 'b'),
      { ...event('', 'FailedMount', 'c'), eventTime: '2026-11-25T04:00:05.000000Z' },
      event('2026-11-25T04:00:01Z', 'Started', 'a')
    ]
    expect(sortEvents(events).map((e) => e.reason)).toEqual(['Started', 'FailedMount', 'BackOff'])
    const text = eventTable(sortEvents(events))
    expect(text.split('\n')[1]).toMatch(
      /^2026-11-25T04:00:01\.000Z\s+Normal\s+Started\s+default\/Pod\/a\s+1\s+Started of a$/
    )
  })

  it('names a container log file by namespace, pod and container', () => {
    expect(containerLogFile('kube-system', 'etcd-x', 'etcd', true)).toBe(
      'logs/kube-system/etcd-x/etcd.previous.log'
    )
    expect(containerLogFile('ns', '../p', 'c')).toBe('logs/ns/__p/c.log')
  })
})
