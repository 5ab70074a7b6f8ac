import { describe, expect, it } from '@jest/globals'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { realFixture } from '../../__fixtures__/fake-kube.js'
import { podProblems } from '../../src/diagnosis/pods.js'
import type { PodLike } from '../../src/k8s/types.js'
import { stuckPods } from '../../src/stages/deploy.js'

// Real pods captured from the local cluster (__fixtures__/k8s/capture.sh).
const notLoaded = realFixture<PodLike>('pod-image-not-loaded')
const missingSecret = realFixture<PodLike>('pod-missing-secret')
const succeeded = realFixture<PodLike>('pod-succeeded')

describe('podProblems', () => {
  it('names the image a pod cannot pull, and the Secret it cannot find', () => {
    const problems = podProblems([notLoaded, missingSecret, succeeded])
    expect(problems).toHaveLength(2)
    expect(problems[0].reason).toMatch(/^(ErrImagePull|ImagePullBackOff)$/)
    expect(problems[0].message).toMatch(/^container tests \(image [^)]+\)/)
    expect(problems[1]).toMatchObject({ reason: 'CreateContainerConfigError' })
    expect(problems[1].message).toMatch(/^container tests: secret "no-such-secret" not found$/)
  })

  it('reports a crash loop with the last exit', () => {
    const crashing: PodLike = {
      metadata: { name: 'argocd-repo-server-1' },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'argocd-repo-server',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } }
          }
        ]
      }
    }
    expect(podProblems([crashing])).toEqual([
      {
        pod: 'argocd-repo-server-1',
        reason: 'CrashLoopBackOff',
        message: 'container argocd-repo-server keeps crashing (last exit 1, Error)'
      }
    ])
  })
})

describe('podProblems of containers that cannot start', () => {
  it("keeps the runtime's cause, not its layers", () => {
    const start = realFixture<PodLike>('pod-start-error')
    expect(podProblems([start])).toEqual([
      {
        pod: 'start-error-q7k2d',
        reason: 'StartError',
        message:
          'container tests exited (last exit 128, StartError: exec: "-test.v": executable file not found in $PATH)'
      }
    ])
  })
})

describe('stuckPods', () => {
  it('gives up only after a pod has waited on its image for the grace period', async () => {
    const clock = new FakeClock()
    let pods: PodLike[] = [notLoaded]
    const check = stuckPods({ listPods: async () => pods }, () => ['example'], clock, 60_000)
    expect(await check()).toBeUndefined()
    await clock.sleep(30_000)
    expect(await check()).toBeUndefined()
    await clock.sleep(30_000)
    expect(await check()).toMatch(/^Pod [\w-]+: (ErrImagePull|ImagePullBackOff): container tests/)
    // Once the pod recovers, the clock starts again.
    pods = [succeeded]
    expect(await check()).toBeUndefined()
  })
})
