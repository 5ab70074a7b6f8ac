import { describe, expect, it } from '@jest/globals'
import {
  evaluateApplication,
  sameRevision,
  unhealthyResources,
  type ApplicationLike
} from '../../src/argocd/application.js'
import { coreInstallUrl, defaultAppProject, overrideImages } from '../../src/argocd/manifest.js'
import type { KubeObject } from '../../src/k8s/types.js'

const SHA = '3f2a9c1d5e7b8a0c4d6e8f1a2b3c4d5e6f7a8b9c'

const app = (status: ApplicationLike['status']): ApplicationLike => ({
  metadata: { name: 'example', namespace: 'argocd' },
  status
})

describe('evaluateApplication', () => {
  it('is ready when Synced and Healthy at the expected revision', () => {
    const v = evaluateApplication(
      app({ sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' } }),
      SHA.slice(0, 7),
      0,
      30_000
    )
    expect(v).toEqual({ state: 'ready', revision: SHA })
  })

  it('keeps waiting while Synced at an older revision', () => {
    const v = evaluateApplication(
      app({
        sync: { status: 'Synced', revision: 'aaaaaaaaaaaaaaaaaaaa' },
        health: { status: 'Healthy' }
      }),
      SHA,
      0,
      30_000
    )
    expect(v).toEqual({
      state: 'waiting',
      message: 'at revision aaaaaaaaaaaa, waiting for 3f2a9c1d5e7b',
      troubled: false
    })
  })

  it('waits while Progressing and names the resources', () => {
    const v = evaluateApplication(
      app({
        sync: { status: 'Synced', revision: SHA },
        health: { status: 'Progressing' },
        resources: [
          {
            kind: 'Deployment',
            name: 'api',
            namespace: 'example',
            status: 'Synced',
            health: {
              status: 'Progressing',
              message: 'Waiting for rollout to finish: 0 of 1 updated replicas are available...'
            }
          },
          {
            kind: 'Service',
            name: 'api',
            namespace: 'example',
            status: 'Synced',
            health: { status: 'Healthy' }
          }
        ]
      }),
      SHA,
      0,
      30_000
    )
    expect(v).toEqual({
      state: 'waiting',
      message: 'Synced/Progressing (Deployment/api in example Progressing)',
      troubled: false
    })
  })

  it('gives a transient Degraded its grace period, then fails', () => {
    const degraded = app({
      sync: { status: 'Synced', revision: SHA },
      health: { status: 'Degraded', message: 'Deployment "api" exceeded its progress deadline' }
    })
    expect(evaluateApplication(degraded, SHA, 10_000, 30_000)).toMatchObject({
      state: 'waiting',
      troubled: true
    })
    expect(evaluateApplication(degraded, SHA, 30_000, 30_000)).toEqual({
      state: 'failed',
      message: 'health Degraded: Deployment "api" exceeded its progress deadline'
    })
    // Degraded that turns Healthy within the grace period is fine.
    expect(
      evaluateApplication(
        app({ sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' } }),
        SHA,
        0,
        30_000
      ).state
    ).toBe('ready')
  })

  it('fails on a failed sync at once, and on error conditions after the grace period', () => {
    expect(
      evaluateApplication(
        app({
          operationState: { phase: 'Failed', message: 'one or more objects failed to apply' }
        }),
        undefined,
        0,
        30_000
      )
    ).toEqual({ state: 'failed', message: 'sync failed: one or more objects failed to apply' })
    const invalid = app({
      conditions: [
        {
          type: 'InvalidSpecError',
          message: 'Application referencing project default which does not exist'
        }
      ]
    })
    expect(evaluateApplication(invalid, undefined, 0, 30_000).state).toBe('waiting')
    expect(evaluateApplication(invalid, undefined, 31_000, 30_000)).toEqual({
      state: 'failed',
      message: 'InvalidSpecError: Application referencing project default which does not exist'
    })
  })

  it('waits for a running operation', () => {
    expect(
      evaluateApplication(
        app({ sync: { status: 'OutOfSync' }, operationState: { phase: 'Running' } }),
        undefined,
        0,
        1
      )
    ).toMatchObject({
      state: 'waiting',
      message: 'sync operation running'
    })
  })

  it('lists unhealthy and unsynced resources', () => {
    expect(
      unhealthyResources(
        app({
          resources: [
            {
              kind: 'StatefulSet',
              name: 'postgres',
              namespace: 'example',
              status: 'Synced',
              health: { status: 'Degraded', message: 'back-off' }
            },
            { kind: 'ConfigMap', name: 'cfg', namespace: 'example', status: 'OutOfSync' },
            { kind: 'Service', name: 'ok', status: 'Synced', health: { status: 'Healthy' } }
          ]
        })
      )
    ).toEqual([
      {
        resource: 'StatefulSet/postgres in example',
        sync: 'Synced',
        health: 'Degraded',
        message: 'back-off'
      },
      { resource: 'ConfigMap/cfg in example', sync: 'OutOfSync', health: '', message: '' }
    ])
  })

  it('matches short and full revisions only by prefix', () => {
    expect(sameRevision(SHA, SHA.slice(0, 7))).toBe(true)
    expect(sameRevision('', SHA)).toBe(false)
    expect(sameRevision('abc1234', 'abd1234')).toBe(false)
  })
})

describe('argocd manifest', () => {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'argocd-repo-server' },
    spec: {
      template: {
        spec: {
          initContainers: [
            {
              name: 'copyutil',
              image: 'quay.io/argoproj/argocd:v3.2.12',
              imagePullPolicy: 'IfNotPresent'
            }
          ],
          containers: [
            {
              name: 'argocd-repo-server',
              image: 'quay.io/argoproj/argocd:v3.2.12',
              imagePullPolicy: 'Always'
            }
          ]
        }
      }
    }
  }
  const redis: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'argocd-redis' },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'redis',
              image: 'public.ecr.aws/docker/library/redis:8.2.2-alpine',
              imagePullPolicy: 'Always'
            }
          ]
        }
      }
    }
  }

  it('points workloads at local images with IfNotPresent, leaving the input untouched', () => {
    const [d, r] = overrideImages([deployment, redis], {
      argocd: 'local/argocd:v3.2.12',
      redis: 'local/redis:8'
    })
    const spec = (o: KubeObject) =>
      (o.spec as { template: { spec: { containers: object[]; initContainers?: object[] } } })
        .template.spec
    expect(spec(d).containers).toEqual([
      { name: 'argocd-repo-server', image: 'local/argocd:v3.2.12', imagePullPolicy: 'IfNotPresent' }
    ])
    expect(spec(d).initContainers).toEqual([
      { name: 'copyutil', image: 'local/argocd:v3.2.12', imagePullPolicy: 'IfNotPresent' }
    ])
    expect(spec(r).containers).toEqual([
      { name: 'redis', image: 'local/redis:8', imagePullPolicy: 'IfNotPresent' }
    ])
    expect(spec(deployment).containers).toEqual([
      {
        name: 'argocd-repo-server',
        image: 'quay.io/argoproj/argocd:v3.2.12',
        imagePullPolicy: 'Always'
      }
    ])
    expect(overrideImages([deployment], {})[0]).toBe(deployment)
  })

  it('knows where the pinned core install lives and makes the default project', () => {
    expect(coreInstallUrl('v3.2.12')).toBe(
      'https://raw.githubusercontent.com/argoproj/argo-cd/v3.2.12/manifests/core-install.yaml'
    )
    expect(defaultAppProject()).toMatchObject({
      kind: 'AppProject',
      metadata: { name: 'default', namespace: 'argocd' }
    })
  })
})
