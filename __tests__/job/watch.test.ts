import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import {
  indexFinished,
  jobFinished,
  newestPod,
  parseIndexes,
  stuckReason,
  terminalCondition,
  watchJob,
  type JobStatusLike,
  type WatchOptions
} from '../../src/job/watch.js'
import type { PodLike } from '../../src/k8s/types.js'
import { WAKE_SETTLE_MS } from '../../src/k8s/poll.js'
import {
  completed,
  failed,
  FakeKube,
  realFixture,
  runningPod,
  terminatedPod
} from '../../__fixtures__/fake-kube.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const opts: WatchOptions = {
  namespace: 'example',
  name: 'tests-1',
  container: 'tests',
  timeoutMs: 60_000,
  stuckGraceMs: 10_000,
  pollMs: 1000
}

function kubeWith(jobStatuses: FakeKube['jobStatuses'], pods: FakeKube['podSequence']): FakeKube {
  const k = new FakeKube()
  k.created.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'tests-1', namespace: 'example' }
  })
  k.jobStatuses = jobStatuses
  k.podSequence = pods
  return k
}

describe('jobFinished', () => {
  it('reads Complete, Failed and the newer terminal conditions', () => {
    expect(jobFinished(completed)).toBe('succeeded')
    expect(jobFinished(failed())).toBe('failed')
    expect(jobFinished({ conditions: [{ type: 'FailureTarget', status: 'True' }] })).toBe('failed')
    expect(jobFinished({ conditions: [{ type: 'Complete', status: 'False' }] })).toBeUndefined()
    expect(jobFinished(undefined)).toBeUndefined()
  })
})

describe('Indexed Jobs', () => {
  // The real Indexed Job of capture-indexed.sh: both indexes failed, the Job Failed.
  const captured = JSON.parse(
    readFileSync('__fixtures__/k8s/job-indexed-failed-indexes.json', 'utf8')
  ) as { status: JobStatusLike }

  it('reads index lists as Kubernetes writes them', () => {
    expect([...parseIndexes('0,2-4,7')]).toEqual([0, 2, 3, 4, 7])
    expect([...parseIndexes(captured.status.failedIndexes)]).toEqual([0, 1])
    expect(parseIndexes(undefined).size).toBe(0)
    expect(parseIndexes('').size).toBe(0)
  })

  it('ends an index when it is completed or failed, or when the Job failed before it', () => {
    expect(indexFinished(captured.status, 1)).toBe('failed')
    const running = { active: 2, completedIndexes: '0', failedIndexes: '2' }
    expect(indexFinished(running, 0)).toBe('succeeded')
    expect(indexFinished(running, 1)).toBeUndefined()
    expect(indexFinished(running, 2)).toBe('failed')
    const deadline = {
      conditions: [{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' }]
    }
    expect(indexFinished(deadline, 1)).toBe('failed')
  })

  it("watches one index's pods and returns when that index is done, the Job still running", async () => {
    const k = kubeWith(
      [{ active: 3 }, { active: 2, completedIndexes: '1' }],
      [[runningPod()], [terminatedPod(0, 'Completed')]]
    )
    const log = new FakeLogger()
    const r = await watchJob(k, { ...opts, index: 1, tag: '[2] ' }, new FakeClock(), log)
    expect(r.outcome).toBe('succeeded')
    expect(k.podSelectors[0]).toBe('job-name=tests-1,batch.kubernetes.io/job-completion-index=1')
    expect(log.lines.find((l) => l.message.includes('Test pod:'))?.message).toMatch(
      /^\[2\] Test pod: /
    )
  })
})

describe('watchJob', () => {
  it('watches the Job and its pods, reads again on each change and stops watching at the end', async () => {
    const k = kubeWith(
      [{ active: 1 }, completed],
      [[runningPod()], [terminatedPod(0, 'Completed')]]
    )
    const queries: Array<{ path: string; labelSelector?: string; fieldSelector?: string }> = []
    let stopped = 0
    k.watch = (query, onEvent) => {
      queries.push(query)
      // The API reports the change a moment after the first read.
      setTimeout(onEvent, 5)
      return () => stopped++
    }
    // Sleeps end only when woken: without the watch this test would never finish.
    const clock = {
      now: () => 0,
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve) =>
          ms <= WAKE_SETTLE_MS ? resolve() : signal?.addEventListener('abort', () => resolve())
        )
    }
    const r = await watchJob(k, { ...opts, pollMs: 600_000 }, clock, new FakeLogger())
    expect(r.outcome).toBe('succeeded')
    expect(queries).toEqual([
      { path: '/apis/batch/v1/namespaces/example/jobs', fieldSelector: 'metadata.name=tests-1' },
      { path: '/api/v1/namespaces/example/pods', labelSelector: 'job-name=tests-1' }
    ])
    expect(stopped).toBe(2)
  })

  it('follows a Job to Complete', async () => {
    const k = kubeWith(
      [{ active: 1 }, { active: 1 }, completed],
      [[runningPod()], [runningPod()], [terminatedPod(0, 'Completed')]]
    )
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({
      outcome: 'succeeded',
      exitCode: 0,
      terminationReason: 'Completed',
      podVanished: false,
      durationMs: 2000
    })
  })

  it('returns on Failed with the exit code instead of waiting for Complete', async () => {
    const k = kubeWith([{ active: 1 }, failed()], [[runningPod()], [terminatedPod(1, 'Error')]])
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 1, terminationReason: 'Error' })
  })

  it('reports OOMKilled from the container state', async () => {
    const k = kubeWith(
      [failed()],
      [[terminatedPod(137, 'OOMKilled', 'tests-1', { memory: '64Mi' })]]
    )
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 137, terminationReason: 'OOMKilled' })
  })

  it('reports DeadlineExceeded as the Job says it', async () => {
    const k = kubeWith(
      [failed('DeadlineExceeded', 'Job was active longer than specified deadline')],
      [[]]
    )
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r.outcome).toBe('failed')
    expect(r.job?.status?.conditions?.[1]).toMatchObject({ reason: 'DeadlineExceeded' })
  })

  it('gives up at its own deadline', async () => {
    const k = kubeWith([{ active: 1 }], [[runningPod()]])
    const clock = new FakeClock()
    const r = await watchJob(k, { ...opts, timeoutMs: 5000 }, clock, new FakeLogger())
    expect(r.outcome).toBe('timeout')
    expect(r.durationMs).toBe(5000)
  })

  it('says at its deadline that the API server stopped answering', async () => {
    const k = kubeWith(
      [{ active: 1 }],
      [[runningPod()], new Error('connect ECONNREFUSED 127.0.0.1:6443')]
    )
    const r = await watchJob(k, { ...opts, timeoutMs: 5000 }, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({
      outcome: 'timeout',
      message:
        'the Job did not finish within 5 s (the API server did not answer: connect ECONNREFUSED 127.0.0.1:6443)'
    })
  })

  it('keeps polling through API errors (an API-server restart) and says so once', async () => {
    const k = kubeWith(
      [{ active: 1 }, completed],
      [
        new Error('connect ECONNREFUSED 127.0.0.1:6443'),
        new Error('connect ECONNREFUSED'),
        [runningPod()],
        [terminatedPod(0, 'Completed')]
      ]
    )
    const log = new FakeLogger()
    const r = await watchJob(k, opts, new FakeClock(), log)
    expect(r.outcome).toBe('succeeded')
    expect(log.lines.filter((l) => l.level === 'warning')).toHaveLength(1)
    expect(log.text('warning')).toMatch(
      /Lost contact with the API server, retrying: connect ECONNREFUSED/
    )
  })

  it('stops early on a pod that cannot start, after the grace period', async () => {
    const pulling = {
      metadata: { name: 'tests-1' },
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'tests', state: { waiting: { reason: 'ErrImageNeverPull' } } }]
      }
    }
    const k = kubeWith([{ active: 1 }], [[pulling]])
    const clock = new FakeClock()
    const r = await watchJob(k, opts, clock, new FakeLogger())
    expect(r).toMatchObject({ outcome: 'stuck', stuckReason: 'ErrImageNeverPull' })
    expect(r.durationMs).toBeLessThan(opts.timeoutMs)
    expect(stuckReason(runningPod(), 'tests')).toBeUndefined()
  })

  it('notices a pod that vanished mid-run', async () => {
    const k = kubeWith([{ active: 1 }, { active: 1 }, failed()], [[runningPod()], [], []])
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({ outcome: 'failed', podVanished: true })
  })
})

// Objects captured from a real v1.32.9 cluster (see __fixtures__/k8s/README.md).
const realJob = (name: string) => realFixture<{ status: JobStatusLike }>(`job-${name}`).status
const realPod = (name: string) => realFixture<PodLike>(`pod-${name}`)

describe('watchJob on captured objects', () => {
  const running = (p: PodLike): PodLike => ({
    ...p,
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'tests', state: { running: { startedAt: '2026-11-25T05:37:48Z' } } }
      ]
    }
  })

  it('succeeds on the SuccessCriteriaMet + Complete pair', async () => {
    const pod = realPod('succeeded')
    const k = kubeWith([{ active: 1 }, realJob('succeeded')], [[running(pod)], [pod]])
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({
      outcome: 'succeeded',
      exitCode: 0,
      terminationReason: 'Completed',
      reason: 'CompletionsReached',
      podName: 'succeeded-qhsg6'
    })
  })

  it('fails with exit code 3 and BackoffLimitExceeded', async () => {
    const k = kubeWith([realJob('failed-exit-3')], [[realPod('failed-exit-3')]])
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({
      outcome: 'failed',
      exitCode: 3,
      terminationReason: 'Error',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      podName: 'failed-exit-3-6v6m2'
    })
  })

  it('reports OOMKilled (137) from a real pod', async () => {
    const k = kubeWith([realJob('oomkilled')], [[realPod('oomkilled')]])
    const r = await watchJob(k, opts, new FakeClock(), new FakeLogger())
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 137, terminationReason: 'OOMKilled' })
  })

  it('reads the exit code from lastState when state was reset', async () => {
    const pod = realPod('oomkilled')
    const cs = pod.status!.containerStatuses![0]
    const moved: PodLike = {
      ...pod,
      status: {
        ...pod.status,
        containerStatuses: [
          { ...cs, state: { waiting: { reason: 'ContainerCreating' } }, lastState: cs.state }
        ]
      }
    }
    const r = await watchJob(
      kubeWith([realJob('oomkilled')], [[moved]]),
      opts,
      new FakeClock(),
      new FakeLogger()
    )
    expect(r).toMatchObject({ exitCode: 137, terminationReason: 'OOMKilled' })
  })

  it('returns at FailureTarget (DeadlineExceeded) without waiting 31 s for Failed, pod already gone', async () => {
    const full = realJob('deadline')
    // What the API showed between the two captured transitions: only FailureTarget.
    const early: JobStatusLike = {
      ...full,
      conditions: full.conditions!.filter((c) => c.type === 'FailureTarget')
    }
    const k = kubeWith([{ active: 1 }, early, full], [[running(realPod('failed-exit-3'))], []])
    const clock = new FakeClock()
    const r = await watchJob(k, opts, clock, new FakeLogger())
    expect(r).toMatchObject({
      outcome: 'failed',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
      podVanished: true
    })
    expect(r.durationMs).toBe(1000)
  })

  it('gives up on a real ImagePullBackOff and CreateContainerConfigError pod after the grace', async () => {
    for (const [name, reason] of [
      ['image-not-loaded', 'ImagePullBackOff'],
      ['missing-secret', 'CreateContainerConfigError']
    ]) {
      const pod = realPod(name)
      expect(stuckReason(pod, 'tests')).toBe(reason)
      const clock = new FakeClock()
      const r = await watchJob(kubeWith([{ active: 1 }], [[pod]]), opts, clock, new FakeLogger())
      expect(r).toMatchObject({ outcome: 'stuck', stuckReason: reason, podName: name })
      expect(r.durationMs).toBe(opts.stuckGraceMs)
      expect(r.message).toBe(`the test pod stayed ${reason} for 10 s`)
    }
  })

  it('names the terminal condition of each captured Job', () => {
    expect(terminalCondition(realJob('deadline'))?.reason).toBe('DeadlineExceeded')
    expect(terminalCondition(realJob('succeeded'))?.reason).toBe('CompletionsReached')
    expect(terminalCondition({ active: 1 })).toBeUndefined()
  })
})

describe('newestPod', () => {
  it('picks the latest attempt by creation time, not by its random name', () => {
    const pod = (name: string, creationTimestamp: string) =>
      ({ metadata: { name, creationTimestamp } }) as PodLike
    const pods = [
      pod('tests-zzzzz', '2026-11-25T05:00:00Z'),
      pod('tests-aaaaa', '2026-11-25T05:01:00Z')
    ]
    expect(newestPod(pods)?.metadata?.name).toBe('tests-aaaaa')
    expect(newestPod([])).toBeUndefined()
  })
})
