import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { diagnose, formatDuration, type DiagnosisInput } from '../../src/diagnosis/diagnose.js'
import type { JobLike, PodLike } from '../../src/k8s/types.js'
import { parseTestLog, reportableFailures } from '../../src/results/gotest.js'

// Real objects from the local v1.32.9 cluster (__fixtures__/k8s/capture-faults.sh).
const captured = <T>(name: string): T =>
  JSON.parse(
    readFileSync(new URL(`../../__fixtures__/k8s/${name}.json`, import.meta.url), 'utf8')
  ) as T

const base: DiagnosisInput = {
  events: [],
  timeoutSeconds: 900,
  image: 'example/tests:0123456789ab',
  failedTests: []
}

const pod = (
  status: PodLike['status'],
  limits: Record<string, string> = { memory: '256Mi' }
): PodLike => ({
  metadata: { name: 'tests-abc-x1' },
  spec: {
    containers: [{ name: 'tests', image: 'example/tests:0123456789ab', resources: { limits } }]
  },
  status
})

/** A Job past its activeDeadlineSeconds, with the condition Kubernetes sets first or last. */
const deadlineJob = (type: 'Failed' | 'FailureTarget'): JobLike => ({
  status: {
    conditions: [
      {
        type,
        status: 'True',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline'
      }
    ]
  }
})

describe('diagnose', () => {
  it('names the memory limit an OOM-killed test binary hit', () => {
    const d = diagnose({
      ...base,
      pod: pod({
        phase: 'Failed',
        containerStatuses: [
          { name: 'tests', state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }
        ]
      }),
      failedTests: ['TestBig']
    })
    expect(d.status).toBe('error')
    expect(d.headline).toBe(
      'Tests were killed: out of memory (limit 256Mi). Raise memory-limit, or look for a test that holds too much memory.'
    )
    expect(d.details).toContain('Container terminated: reason OOMKilled, exit code 137')
  })

  it('explains a pushed image the nodes cannot pull from the registry', () => {
    const image = `10.200.0.1:5000/tests/tests@sha256:${'4d'.repeat(32)}`
    const d = diagnose({
      ...base,
      image,
      pod: pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'tests',
            state: {
              waiting: {
                reason: 'ErrImagePull',
                message: `failed to pull and unpack image "${image}": http: server gave HTTP response to HTTPS client`
              }
            }
          }
        ]
      })
    })
    expect(d.headline).toBe(
      `The test image ${image} could not be pulled (ErrImagePull): the nodes could not pull it from its registry: check that they reach the registry under that name (a plain-HTTP one must be an insecure registry of their container runtime) and that registry-username may read it.`
    )
  })

  it('explains an image that is not on the node', () => {
    const d = diagnose({
      ...base,
      pod: pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'tests',
            state: {
              waiting: {
                reason: 'ErrImagePull',
                message: 'failed to resolve reference "docker.io/example/tests:0123456789ab"'
              }
            }
          }
        ]
      })
    })
    expect(d.headline).toMatch(
      /^The test image example\/tests:0123456789ab could not be pulled \(ErrImagePull\): the image is not on the node.*image-load/
    )
    expect(
      diagnose({
        ...base,
        image: 'example/tests:latest',
        pod: pod({ containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] })
      }).headline
    ).toMatch(/':latest', so the kubelet tries to pull it/)
  })

  it('quotes the missing Secret key', () => {
    const d = diagnose({
      ...base,
      pod: pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'tests',
            state: {
              waiting: {
                reason: 'CreateContainerConfigError',
                message: "couldn't find key JWT_SECRET in Secret example/api-keys"
              }
            }
          }
        ]
      })
    })
    expect(d.headline).toBe(
      'The test container could not start: the Secret example/api-keys has no key JWT_SECRET (an env entry of the Job refers to it by key). Create the Secret or key it needs, or fix env-from-secrets / secret-env / the Job template.'
    )
  })

  it('names the Secret and the key of a real missing-key pod', () => {
    const d = diagnose({ ...base, pod: captured<PodLike>('pod-missing-key') })
    expect(d.status).toBe('error')
    expect(d.headline).toMatch(
      /^The test container could not start: the Secret ict-fixtures-faults\/present has no key API_TOKEN \(/
    )
  })

  it('keeps the message of a missing Secret as the kubelet says it', () => {
    const d = diagnose({ ...base, pod: captured<PodLike>('pod-missing-secret') })
    expect(d.headline).toMatch(
      /^The test container could not start: secret "no-such-secret" not found\. Create the Secret/
    )
  })

  it("passes on the scheduler's verdict", () => {
    const d = diagnose({
      ...base,
      pod: pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient memory.'
          }
        ]
      })
    })
    expect(d.headline).toMatch(
      /^The test pod could not be scheduled: 0\/1 nodes are available: 1 Insufficient memory\. Lower the requests/
    )
  })

  it('names what a real unschedulable pod requests, without the preemption sentence', () => {
    const d = diagnose({ ...base, pod: captured<PodLike>('pod-unschedulable') })
    expect(d.status).toBe('error')
    expect(d.headline).toBe(
      "The test pod could not be scheduled (it requests memory 4Ti): 0/1 nodes are available: 1 Insufficient memory. Lower the requests (the Job template's resources; memory-limit and cpu-limit cap them), or use a bigger cluster."
    )
  })

  it('reports the deadline as a timeout, with the test that was running', () => {
    const d = diagnose({
      ...base,
      timeoutSeconds: 120,
      job: deadlineJob('Failed'),
      failedTests: ['TestSlow']
    })
    expect(d.status).toBe('timeout')
    expect(d.headline).toBe(
      'Tests did not finish within the timeout (2m): the Job was stopped. Unfinished or failed: TestSlow. Raise timeout, or find the test that hangs in the log.'
    )
    expect(d.details).toContain(
      'Job condition Failed: DeadlineExceeded Job was active longer than specified deadline'
    )
  })

  it('reads the deadline from FailureTarget before Failed is set (seen on the local cluster)', () => {
    const d = diagnose({
      ...base,
      timeoutSeconds: 20,
      job: deadlineJob('FailureTarget'),
      pod: pod({
        containerStatuses: [
          { name: 'tests', state: { terminated: { reason: 'Error', exitCode: 2 } } }
        ]
      }),
      failedTests: ['TestDeliberateHang']
    })
    expect(d.status).toBe('timeout')
    expect(d.headline).toMatch(/^Tests did not finish within the timeout \(20s\)/)
  })

  it('lists failing tests, then panics, then bare exit codes', () => {
    expect(diagnose({ ...base, failedTests: ['TestA', 'TestB', 'TestC', 'TestD'] }).headline).toBe(
      '4 tests failed: TestA, TestB, TestC and 1 more.'
    )
    expect(
      diagnose({
        ...base,
        failedTests: ['TestA'],
        panicked: 'runtime error: index out of range [3] with length 3'
      }).headline
    ).toBe('A test panicked: runtime error: index out of range [3] with length 3')
    const exited = diagnose({
      ...base,
      pod: pod({
        containerStatuses: [
          { name: 'tests', state: { terminated: { reason: 'Error', exitCode: 2 } } }
        ]
      })
    })
    expect(exited).toMatchObject({
      status: 'failed',
      headline: expect.stringMatching(/exited with code 2 \(Error\) and no failing test/)
    })
  })

  it('says when the pod vanished mid-run', () => {
    expect(diagnose({ ...base, podVanished: true })).toMatchObject({
      status: 'error',
      headline: expect.stringMatching(
        /^The test pod was deleted while the tests ran \(deleted through the API.*log up to then is kept/
      )
    })
  })

  it('says a real pod was deleted mid-run, not that its unfinished test failed', () => {
    const d = diagnose({
      ...base,
      job: captured<JobLike>('job-pod-deleted'),
      pod: captured<PodLike>('pod-deleted-terminating'),
      failedTests: ['TestSlow']
    })
    expect(d.status).toBe('error')
    expect(d.headline).toMatch(
      /^The test pod pod-deleted-\w+ was deleted while the tests ran \(deleted through the API: kubectl delete, a controller, or a node drain\), so the Job failed without a result; the log up to then is kept\. Unfinished then: TestSlow\./
    )
  })

  // A Go test binary as PID 1 exits 2 on SIGTERM: the pod the watch last saw may already say
  // "terminated, Error, exit 2", with the deletion pending (capture-go-deleted.sh).
  it('says a real Go test pod was deleted mid-run though its container already ended (exit 2)', () => {
    const run = parseTestLog(
      readFileSync(new URL('../../__fixtures__/k8s/log-deleted-go.txt', import.meta.url), 'utf8')
    )
    const p = captured<PodLike>('pod-deleted-go-terminated')
    expect(p.status?.containerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error'
    })
    const d = diagnose({
      ...base,
      job: captured<JobLike>('job-deleted-go'),
      pod: p,
      failedTests: reportableFailures(run).map((t) => t.name),
      testsRan: run.tests.length > 0
    })
    expect(d.status).toBe('error')
    expect(d.headline).toMatch(
      /^The test pod slow-\w+ was deleted while the tests ran \(deleted through the API: [^)]*\), so the Job failed without a result; the log up to then is kept\. Unfinished then: TestSlow\./
    )
  })

  it('the same container, ended before the deletion was asked for, is a failing test', () => {
    const p = captured<PodLike>('pod-deleted-go-terminated')
    const requested =
      Date.parse(p.metadata!.deletionTimestamp!) - p.metadata!.deletionGracePeriodSeconds! * 1000
    const earlier = new Date(requested - 1000).toISOString()
    const cs = p.status!.containerStatuses![0]
    const d = diagnose({
      ...base,
      pod: {
        ...p,
        status: {
          ...p.status,
          containerStatuses: [
            { ...cs, state: { terminated: { ...cs.state!.terminated, finishedAt: earlier } } }
          ]
        }
      },
      failedTests: ['TestSlow']
    })
    expect(d).toMatchObject({ status: 'failed', headline: '1 test failed: TestSlow.' })
  })

  it('says who evicted a real pod (DisruptionTarget)', () => {
    const d = diagnose({
      ...base,
      job: captured<JobLike>('job-pod-evicted'),
      pod: captured<PodLike>('pod-evicted-terminating'),
      failedTests: ['TestSlow']
    })
    expect(d.headline).toMatch(
      /^The test pod pod-evicted-\w+ was deleted while the tests ran \(EvictionByEvictionAPI: Eviction API: evicting\)/
    )
  })

  it('does not call a pod deleted after its container finished on its own', () => {
    const p = captured<PodLike>('pod-failed-exit-3')
    const d = diagnose({
      ...base,
      pod: { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-11-25T05:40:00Z' } },
      failedTests: ['TestTwo']
    })
    expect(d.headline).toBe('1 test failed: TestTwo.')
  })

  it('a deadline stays a timeout though the Job controller deleted the pod', () => {
    const p = captured<PodLike>('pod-deleted-terminating')
    const d = diagnose({
      ...base,
      timeoutSeconds: 20,
      job: captured<JobLike>('job-deadline'),
      pod: p,
      failedTests: ['TestSlow']
    })
    expect(d.status).toBe('timeout')
  })

  it('says when a real container exited 0 without running a Go test', () => {
    const d = diagnose({
      ...base,
      job: captured<JobLike>('job-succeeded'),
      pod: captured<PodLike>('pod-succeeded'),
      testsRan: false
    })
    expect(d).toMatchObject({
      status: 'error',
      headline: expect.stringMatching(/^The test container exited 0 without running a Go test/)
    })
  })

  it('keeps the last Warning events as details', () => {
    const d = diagnose({
      ...base,
      events: [
        { type: 'Normal', reason: 'Scheduled', message: 'ok' },
        {
          type: 'Warning',
          reason: 'BackOff',
          message: 'Back-off pulling image',
          count: 4,
          involvedObject: { kind: 'Pod', name: 'p' }
        }
      ]
    })
    expect(d.details).toEqual(['Event BackOff on Pod/p: Back-off pulling image (x4)'])
  })

  it('formats durations the way inputs are written', () => {
    expect([
      formatDuration(900),
      formatDuration(3600),
      formatDuration(45),
      formatDuration(150)
    ]).toEqual(['15m', '1h', '45s', '2m30s'])
  })
})

describe('diagnose a container that cannot start', () => {
  // Derived from pod-failed-exit-3.json with the status a CMD-only image gives (see the README).
  const startError = captured<PodLike>('pod-start-error')

  it('says the container could not start, quotes the runtime, and asks for an ENTRYPOINT', () => {
    const d = diagnose({
      ...base,
      pod: startError,
      job: captured<JobLike>('job-failed-exit-3'),
      testsRan: false,
      lastLogLines: []
    })
    expect(d.status).toBe('error')
    expect(d.headline).toBe(
      'The test container could not start (StartError, exit 128): exec: "-test.v": executable file not found in $PATH. The image has no ENTRYPOINT, so the test argument "-test.v" (test-args replace CMD) was run as the program. Give the image an ENTRYPOINT that is the test binary (ENTRYPOINT ["/integration.test"]), or make its CMD\'s first word the test binary: an image the action builds then runs CMD\'s first word.'
    )
    expect(d.headline).not.toMatch(/exited with code 128 before any test ran/)
    expect(d.details).toContain(
      'Container terminated: reason StartError, exit code 128, failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "-test.v": executable file not found in $PATH: unknown'
    )
  })

  it('says the same of a container the kubelet keeps retrying (RunContainerError)', () => {
    const d = diagnose({
      ...base,
      pod: pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'tests',
            state: {
              waiting: {
                reason: 'RunContainerError',
                message:
                  'failed to start containerd task "tests": failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/integration.test": stat /integration.test: no such file or directory: unknown'
              }
            }
          }
        ]
      })
    })
    expect(d.headline).toMatch(
      /^The test container could not start \(RunContainerError\): exec: "\/integration.test": stat \/integration.test: no such file or directory\. "\/integration.test" is not in the image/
    )
  })
})

describe('diagnose before any test ran', () => {
  it('quotes what the binary said when it exits before its first test', () => {
    const d = diagnose({
      ...base,
      pod: pod({
        containerStatuses: [
          { name: 'tests', state: { terminated: { reason: 'Error', exitCode: 1 } } }
        ]
      }),
      testsRan: false,
      lastLogLines: [
        'integration tests need a database: cannot reach PostgreSQL at postgres.example.svc.cluster.local:5432 as user "workflows"',
        'set POSTGRES_HOST, POSTGRES_PORT, ...',
        ''
      ]
    })
    expect(d.status).toBe('error')
    expect(d.headline).toBe(
      'The test binary exited with code 1 before any test ran: integration tests need a database: cannot reach PostgreSQL at postgres.example.svc.cluster.local:5432 as user "workflows" set POSTGRES_HOST, POSTGRES_PORT, ....'
    )
  })
})
