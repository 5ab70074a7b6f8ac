import { describe, expect, it } from '@jest/globals'
import { jobFinished, stuckReason, watchJob, type WatchOptions } from '../../src/job/watch.js'
import {
  completed,
  failed,
  FakeKube,
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

describe('watchJob', () => {
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
