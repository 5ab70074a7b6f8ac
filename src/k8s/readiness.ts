/**
 * Pure readiness rules for what `manifests` deploys, the same ones `kubectl rollout status` uses:
 * a workload is ready when its controller has seen the latest spec and every replica of it is
 * updated and available; a Job (a migration, say) when it is Complete. A failed Job is final.
 */

import type { KubeObject } from './types.js'

export type Readiness =
  { state: 'ready' } | { state: 'waiting'; message: string } | { state: 'failed'; message: string }

interface Condition {
  type?: string
  status?: string
  reason?: string
  message?: string
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

/** Kinds the deploy step waits for; everything else is ready once applied. */
export const WAITED_KINDS = new Set([
  'CustomResourceDefinition',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job'
])

export function readiness(obj: KubeObject): Readiness {
  const status = obj.status ?? {}
  const spec = obj.spec ?? {}
  const generation = obj.metadata?.generation ?? 0
  const observed = num(status.observedGeneration)
  const conditions = (status.conditions as Condition[] | undefined) ?? []
  const cond = (type: string) => conditions.find((c) => c.type === type && c.status === 'True')

  switch (obj.kind) {
    case 'Deployment': {
      const stalled = conditions.find(
        (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded'
      )
      if (stalled)
        return { state: 'failed', message: stalled.message ?? 'progress deadline exceeded' }
      const want = spec.replicas === undefined ? 1 : num(spec.replicas)
      if (observed < generation)
        return { state: 'waiting', message: 'waiting for the controller to see the new spec' }
      const updated = num(status.updatedReplicas)
      const available = num(status.availableReplicas)
      const total = num(status.replicas)
      if (updated < want)
        return { state: 'waiting', message: `${updated} of ${want} replicas updated` }
      if (total > updated)
        return { state: 'waiting', message: `${total - updated} old replicas pending termination` }
      if (available < want)
        return { state: 'waiting', message: `${available} of ${want} replicas available` }
      return { state: 'ready' }
    }
    case 'StatefulSet': {
      const want = spec.replicas === undefined ? 1 : num(spec.replicas)
      if (observed < generation)
        return { state: 'waiting', message: 'waiting for the controller to see the new spec' }
      const ready = num(status.readyReplicas)
      if (ready < want) return { state: 'waiting', message: `${ready} of ${want} replicas ready` }
      if (status.updateRevision && status.currentRevision !== status.updateRevision) {
        return {
          state: 'waiting',
          message: `${num(status.updatedReplicas)} of ${want} replicas updated`
        }
      }
      return { state: 'ready' }
    }
    case 'DaemonSet': {
      if (observed < generation)
        return { state: 'waiting', message: 'waiting for the controller to see the new spec' }
      const want = num(status.desiredNumberScheduled)
      const updated = num(status.updatedNumberScheduled)
      const available = num(status.numberAvailable)
      if (updated < want || available < want) {
        return { state: 'waiting', message: `${available} of ${want} pods available` }
      }
      return { state: 'ready' }
    }
    case 'Job': {
      const failed = cond('Failed')
      if (failed)
        return {
          state: 'failed',
          message: `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim()
        }
      if (cond('Complete')) return { state: 'ready' }
      const active = num(status.active)
      return {
        state: 'waiting',
        message: active > 0 ? `${active} pod(s) running` : 'not started yet'
      }
    }
    case 'CustomResourceDefinition': {
      // Objects of the new type can be applied once the API server serves it.
      if (cond('Established')) return { state: 'ready' }
      const rejected = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False')
      if (rejected) return { state: 'failed', message: rejected.message ?? 'names not accepted' }
      return { state: 'waiting', message: 'not established yet' }
    }
    default:
      return { state: 'ready' }
  }
}

/** `Deployment/api in example`, for messages that name the resource. */
export function describeObject(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ? ` in ${obj.metadata.namespace}` : ''
  return `${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}${ns}`
}
