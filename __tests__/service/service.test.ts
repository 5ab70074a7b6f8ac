import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { KubeObject, PodLike } from '../../src/k8s/types.js'
import { collectService } from '../../src/service/collect.js'
import {
  isErrorLine,
  podView,
  serviceTroubles,
  withServiceTroubles
} from '../../src/service/snapshot.js'
import { codeBlock, serviceSection } from '../../src/report/service.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeKube } from '../../__fixtures__/fake-kube.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const since = Date.parse('2026-12-01T10:00:00Z')
const at = (s: number) => new Date(since + s * 1000).toISOString()

/** A service pod shaped as the API returns it (the fields we read). */
function servicePod(
  name: string,
  cs: Record<string, unknown>,
  extra: Partial<PodLike> = {}
): PodLike {
  return {
    metadata: {
      name,
      labels: { 'app.kubernetes.io/name': 'workflows' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'workflows-7d9c5f8b4' }]
    },
    spec: { containers: [{ name: 'workflows', resources: { limits: { memory: '128Mi' } } }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at(-100) }],
      containerStatuses: [{ name: 'workflows', ready: true, restartCount: 0, ...cs }]
    },
    ...extra
  }
}

const oomRestarted = servicePod('workflows-7d9c5f8b4-x2v9q', {
  restartCount: 1,
  state: { running: { startedAt: at(12) } },
  lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: at(11) } }
})

describe('podView and serviceTroubles', () => {
  it('names a restart in the window with its reason and memory limit', () => {
    const view = podView(oomRestarted, since)
    expect(view).toMatchObject({ name: 'workflows-7d9c5f8b4-x2v9q', ready: '1/1', restarts: 1 })
    expect(view.containers[0]).toMatchObject({ endedInWindow: 'previous', memoryLimit: '128Mi' })
    expect(
      serviceTroubles({
        since: at(0),
        pods: [view],
        workloads: [],
        objects: [],
        events: [],
        truncated: false
      })
    ).toEqual(['workflows-7d9c5f8b4-x2v9q restarted: OOMKilled (limit 128Mi)'])
  })

  it('leaves out restarts before the window, finished Job pods and ready pods', () => {
    const before = servicePod('a', {
      restartCount: 3,
      lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: at(-60) } }
    })
    const migrated = servicePod('workflows-migrate-abc', {
      state: { terminated: { reason: 'Completed', exitCode: 0, finishedAt: at(5) } }
    })
    const views = [before, migrated].map((p) => podView(p, since))
    expect(views.map((v) => v.containers[0].endedInWindow)).toEqual([undefined, undefined])
    expect(
      serviceTroubles({
        since: at(0),
        pods: views,
        workloads: [],
        objects: [],
        events: [],
        truncated: false
      })
    ).toEqual([])
  })

  it('says a crashed container that has not been restarted yet exited, and a pod went unready', () => {
    const crashed = servicePod('c', {
      state: { terminated: { reason: 'Error', exitCode: 3, finishedAt: at(4) } }
    })
    const unready = servicePod(
      'u',
      {},
      {
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at(7) }],
          containerStatuses: [{ name: 'workflows', ready: false, restartCount: 0 }]
        }
      }
    )
    const s = {
      since: at(0),
      pods: [crashed, unready].map((p) => podView(p, since)),
      workloads: [],
      objects: [],
      events: [],
      truncated: false
    }
    expect(serviceTroubles(s)).toEqual(['c exited: Error (exit 3)', 'u went unready'])
    expect(withServiceTroubles('1 test failed: TestCreate.', serviceTroubles(s))).toBe(
      '1 test failed: TestCreate; meanwhile c exited: Error (exit 3); u went unready.'
    )
    expect(withServiceTroubles('1 test failed: TestCreate.', [])).toBe('1 test failed: TestCreate.')
  })

  it('tells error-level lines in the usual log formats', () => {
    for (const line of [
      '2026/12/01 10:00:03 ERROR crashing on request from=10.244.0.7:51234',
      'time=2026-12-01T10:00:03Z level=error msg="db down"',
      '{"time":"2026-12-01T10:00:03Z","level":"ERROR","msg":"db down"}',
      'panic: runtime error: index out of range',
      '2026-12-01 10:00:03.123 UTC [42] FATAL:  password authentication failed for user "x"'
    ])
      expect(isErrorLine(line)).toBe(true)
    for (const line of [
      '2026/12/01 10:00:03 INFO request method=GET path=/healthz status=200',
      '2026-12-01 10:00:03.123 UTC [42] LOG:  connection authorized: user=workflows'
    ])
      expect(isErrorLine(line)).toBe(false)
  })
})

describe('collectService', () => {
  it('saves each container log of the window and the previous instance after a restart, redacted, without the test pod', async () => {
    const kube = new FakeKube()
    const testPod = servicePod('tests-abc-xyz', {})
    const postgres = servicePod('postgres-0', {}, {})
    postgres.spec = { containers: [{ name: 'postgres' }] }
    postgres.status!.containerStatuses = [{ name: 'postgres', ready: true, restartCount: 0 }]
    kube.podSequence = [[oomRestarted, postgres, testPod]]
    kube.containerLogs.set(
      'workflows-7d9c5f8b4-x2v9q/workflows',
      '2026/12/01 10:00:13 INFO listening\n'
    )
    kube.containerLogs.set(
      'workflows-7d9c5f8b4-x2v9q/workflows/previous',
      '2026/12/01 10:00:10 INFO request method=POST path=/workflows status=201\n2026/12/01 10:00:11 ERROR out of memory, password=hunter22\n'
    )
    kube.containerLogs.set('postgres-0/postgres', 'LOG:  connection authorized: user=workflows\n')
    kube.objects.set('d', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'workflows', namespace: 'example' },
      spec: { replicas: 1 },
      status: { readyReplicas: 1 }
    } as KubeObject)
    kube.events = [
      {
        type: 'Warning',
        reason: 'BackOff',
        involvedObject: { kind: 'Pod', name: 'other-app-1' },
        lastTimestamp: at(3)
      },
      {
        type: 'Normal',
        reason: 'Pulled',
        involvedObject: { kind: 'Pod', name: 'workflows-7d9c5f8b4-x2v9q' },
        lastTimestamp: at(12)
      },
      {
        type: 'Warning',
        reason: 'OOMKilling',
        involvedObject: { kind: 'Pod', name: 'workflows-7d9c5f8b4-x2v9q' },
        lastTimestamp: at(11)
      },
      {
        type: 'Normal',
        reason: 'Scheduled',
        involvedObject: { kind: 'Pod', name: 'postgres-0' },
        lastTimestamp: at(-300)
      }
    ]
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-service-'))
    const clock = new FakeClock(since + 30_000)
    const s = await collectService(
      kube,
      {
        namespaces: ['example'],
        excludePods: new Set(['tests-abc-xyz']),
        sinceMs: since,
        outputDir,
        redact: (t) => t.split('hunter22').join('***')
      },
      clock,
      new FakeLogger()
    )
    expect(s.pods.map((p) => p.name)).toEqual(['workflows-7d9c5f8b4-x2v9q', 'postgres-0'])
    expect(s.workloads).toEqual([
      { kind: 'Deployment', namespace: 'example', name: 'workflows', ready: '1/1' }
    ])
    // Only the service's events of the window, oldest first.
    expect(s.events.map((e) => e.reason)).toEqual(['OOMKilling', 'Pulled'])
    const dir = path.join(outputDir, 'service', 'example')
    expect(fs.readdirSync(path.join(dir, 'workflows-7d9c5f8b4-x2v9q')).sort()).toEqual([
      'workflows.log',
      'workflows.previous.log'
    ])
    const previous = fs.readFileSync(
      path.join(dir, 'workflows-7d9c5f8b4-x2v9q', 'workflows.previous.log'),
      'utf8'
    )
    expect(previous).toContain('ERROR out of memory, password=***')
    expect(previous).not.toContain('hunter22')
    expect(fs.readFileSync(path.join(dir, 'postgres-0', 'postgres.log'), 'utf8')).toContain(
      'connection authorized'
    )
    // The window (30 s ago, plus a second) and the caps reach the API.
    expect(kube.readLogCalls[0]).toMatchObject({
      sinceSeconds: 31,
      tailLines: 5000,
      limitBytes: 512 * 1024
    })
    expect(kube.readLogCalls.find((c) => c.previous)).toMatchObject({
      pod: 'workflows-7d9c5f8b4-x2v9q'
    })
    const c = s.pods[0].containers[0]
    expect(c.errorLines).toBe(1)
    expect(c.lastLines.at(-1)).toBe('2026/12/01 10:00:11 ERROR out of memory, password=***')
    const state = JSON.parse(fs.readFileSync(path.join(outputDir, 'service', 'state.json'), 'utf8'))
    expect(state.pods).toHaveLength(2)

    const md = serviceSection(s)
    expect(md).toContain('| pod | ready | restarts | last state |')
    expect(md).toContain(
      '| `example/workflows-7d9c5f8b4-x2v9q` | 1/1 | 1 | restarted: OOMKilled (exit 137), limit 128Mi |'
    )
    expect(md).toContain('ERROR out of memory')
  })

  it('stops at the total cap and says so', async () => {
    const kube = new FakeKube()
    const pods = ['a', 'b', 'c'].map((n) => servicePod(n, {}))
    kube.podSequence = [pods]
    for (const n of ['a', 'b', 'c']) kube.containerLogs.set(`${n}/workflows`, 'x'.repeat(100))
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-service-'))
    const s = await collectService(
      kube,
      {
        namespaces: ['example'],
        excludePods: new Set(),
        sinceMs: since,
        outputDir,
        redact: (t) => t,
        capBytes: { perLog: 100, total: 150 }
      },
      new FakeClock(since + 1000),
      new FakeLogger()
    )
    expect(s.truncated).toBe(true)
    expect(kube.readLogCalls.map((c) => c.limitBytes)).toEqual([100, 50])
    expect(fs.existsSync(path.join(outputDir, 'service', 'example', 'c'))).toBe(false)
  })
})

describe('codeBlock', () => {
  it('cannot be closed by the text inside it', () => {
    const block = codeBlock('```\n[x](https://evil) @octocat\n````')
    expect(block.startsWith('`````text\n')).toBe(true)
    expect(block.endsWith('\n`````')).toBe(true)
  })
})
