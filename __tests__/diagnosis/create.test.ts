import { describe, expect, it } from '@jest/globals'
import { podCreateFailure } from '../../src/diagnosis/create.js'
import { diagnose } from '../../src/diagnosis/diagnose.js'
import type { EventLike } from '../../src/k8s/types.js'

const failedCreate = (message: string, name = 'tests-abc', extra: Partial<EventLike> = {}) => ({
  type: 'Warning',
  reason: 'FailedCreate',
  message,
  count: 4,
  involvedObject: { kind: 'Job', name },
  lastTimestamp: '2026-12-01T10:00:00Z',
  ...extra
})

const PSA =
  'Error creating: pods "tests-abc-x7k2p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "tests" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "tests" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "tests" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "tests" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'

describe('podCreateFailure', () => {
  it('names a Pod Security violation and what to do', () => {
    const f = podCreateFailure([failedCreate(PSA)], 'tests-abc')
    expect(f?.kind).toBe('pod-security')
    expect(f?.count).toBe(4)
    expect(f?.headline).toBe(
      'The Job tests-abc could not create its pod: the namespace enforces Pod Security "restricted:latest" and the pod violates it (allowPrivilegeEscalation != false (container "tests" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "tests" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "tests" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "tests" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")). Use the default job-template, which meets "restricted", or set these fields in your template\'s securityContext.'
    )
  })

  it('names an exceeded or unmet ResourceQuota', () => {
    const exceeded = podCreateFailure([
      failedCreate(
        '(combined from similar events): Error creating: pods "tests-abc-xwvqs" is forbidden: exceeded quota: team-quota, requested: limits.memory=1Gi, used: limits.memory=3584Mi, limited: limits.memory=4Gi'
      )
    ])
    expect(exceeded?.kind).toBe('quota')
    expect(exceeded?.headline).toBe(
      "The Job tests-abc could not create its pod: it would exceed a ResourceQuota of the namespace (exceeded quota: team-quota, requested: limits.memory=1Gi, used: limits.memory=3584Mi, limited: limits.memory=4Gi). Lower the pod's requests and limits (memory-limit, cpu-limit, the Job template), wait for other pods to finish, or raise the quota."
    )
    const unmet = podCreateFailure([
      failedCreate(
        'Error creating: pods "tests-abc-1" is forbidden: failed quota: compute-quota: must specify limits.cpu for: tests; requests.cpu for: tests'
      )
    ])
    expect(unmet?.headline).toMatch(
      /requires requests and limits the pod does not set \(failed quota: compute-quota: must specify limits\.cpu for: tests; requests\.cpu for: tests\)\. Set memory-limit and cpu-limit/
    )
  })

  it('names a LimitRange, a webhook, a missing service account, or quotes anything else', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'Error creating: pods "tests-abc-1" is forbidden: maximum memory usage per Container is 512Mi, but limit is 1Gi',
        'limit-range',
        /a LimitRange of the namespace refuses its resources \(maximum memory usage per Container is 512Mi, but limit is 1Gi\)/
      ],
      [
        'Error creating: admission webhook "validation.gatekeeper.sh" denied the request: [must-have-team] missing label team',
        'webhook',
        /the admission webhook validation\.gatekeeper\.sh denied it \(\[must-have-team\] missing label team\)/
      ],
      [
        'Error creating: pods "tests-abc-1" is forbidden: error looking up service account ns/tester: serviceaccount "tester" not found',
        'service-account',
        /its service account tester does not exist in the namespace/
      ],
      [
        'Error creating: pods "tests-abc-1" is forbidden: unable to validate against any security context constraint.',
        'other',
        /could not create its pod: unable to validate against any security context constraint\. Fix what/
      ]
    ]
    for (const [message, kind, headline] of cases) {
      const f = podCreateFailure([failedCreate(message)])
      expect(f?.kind).toBe(kind)
      expect(f?.headline).toMatch(headline)
    }
  })

  it('takes the latest event of that Job, and nothing else', () => {
    const events = [
      failedCreate('Error creating: quota old exceeded quota: a', 'tests-abc', {
        lastTimestamp: '2026-12-01T10:05:00Z'
      }),
      failedCreate(PSA, 'tests-abc', { lastTimestamp: '2026-12-01T09:00:00Z' }),
      failedCreate(PSA, 'other-job', { lastTimestamp: '2026-12-01T11:00:00Z' }),
      {
        type: 'Normal',
        reason: 'SuccessfulCreate',
        involvedObject: { kind: 'Job', name: 'tests-abc' }
      },
      { ...failedCreate(PSA), involvedObject: { kind: 'ReplicaSet', name: 'tests-abc' } }
    ]
    expect(podCreateFailure(events, 'tests-abc')?.kind).toBe('quota')
    expect(podCreateFailure(events, 'nope')).toBeUndefined()
    expect(podCreateFailure([])).toBeUndefined()
    expect(podCreateFailure([failedCreate('x'.repeat(2000))])?.message).toHaveLength(600)
  })

  it('is the diagnosis of a run whose Job never had a pod', () => {
    const d = diagnose({
      events: [failedCreate(PSA)],
      timedOut: true,
      timeoutSeconds: 900,
      image: 'example/tests:0123456789ab',
      failedTests: []
    })
    expect(d.status).toBe('error')
    expect(d.headline).toMatch(
      /^The Job tests-abc could not create its pod: the namespace enforces/
    )
    expect(d.details[0]).toMatch(/^Event FailedCreate on Job\/tests-abc: Error creating/)
  })
})
