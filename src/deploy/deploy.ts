/**
 * Deploys plain manifests and waits until what they define is ready, or says which resource is
 * not and why. ArgoCD Applications are handled in argocd/, not here.
 */
import type { Clock, Logger } from '../ports.js'
import {
  describeObject,
  readiness,
  WAITED_KINDS,
  type KubeObject,
  type Readiness
} from './readiness.js'
import { applyOrder } from './manifests.js'

/** The two cluster operations deploying needs; bound to the Kube client in run.ts. */
export interface DeployPort {
  apply(objects: KubeObject[]): Promise<void>
  get(obj: KubeObject): Promise<KubeObject | undefined>
}

export interface NotReady {
  resource: string
  /** waiting, failed, missing; for ArgoCD resources their health (Progressing, Degraded, …). */
  state: string
  message: string
}

export class DeployError extends Error {
  /** What the pods of the deployed namespaces say, one line each (filled in by the stage). */
  pods: string[] = []
  constructor(
    message: string,
    readonly notReady: NotReady[]
  ) {
    super(message)
    this.name = 'DeployError'
  }
}

/**
 * Asked on every poll while waiting: a reason to give up now (a pod that cannot start, say), or
 * undefined to keep waiting.
 */
export type StuckCheck = () => Promise<string | undefined>

export async function deployManifests(
  objects: KubeObject[],
  timeoutSeconds: number,
  port: DeployPort,
  clock: Clock,
  log: Logger,
  options: { pollMs?: number; stuck?: StuckCheck } = {}
): Promise<void> {
  const pollMs = options.pollMs ?? 2000
  const ordered = applyOrder(objects)
  await port.apply(ordered)
  log.info(`Applied ${ordered.length} object(s) server-side`)
  const waited = ordered.filter((o) => WAITED_KINDS.has(o.kind ?? ''))
  const deadline = clock.now() + timeoutSeconds * 1000
  let lastReport = ''
  for (;;) {
    const pending: NotReady[] = []
    for (const o of waited) {
      const live = await port.get(o)
      const r: Readiness | { state: 'missing'; message: string } = live
        ? readiness(live)
        : { state: 'missing', message: 'not found after apply' }
      if (r.state === 'failed') {
        throw new DeployError(`${describeObject(o)} failed: ${r.message}`, [
          { resource: describeObject(o), state: 'failed', message: r.message }
        ])
      }
      if (r.state !== 'ready')
        pending.push({ resource: describeObject(o), state: r.state, message: r.message })
    }
    if (pending.length === 0) {
      log.info(`Ready: ${waited.map(describeObject).join(', ')}`)
      return
    }
    const report = pending.map((p) => `${p.resource}: ${p.message}`).join('; ')
    if (report !== lastReport) log.info(`Waiting for ${report}`)
    lastReport = report
    const stuck = await options.stuck?.()
    if (stuck) throw new DeployError(`Deployed resources cannot become ready: ${stuck}`, pending)
    if (clock.now() >= deadline) {
      throw new DeployError(
        `Deployed resources were not ready after ${timeoutSeconds}s: ${report}. Raise deploy-timeout or look at the events below.`,
        pending
      )
    }
    await clock.sleep(pollMs)
  }
}

/** A markdown-free, aligned table of what is not ready, for the log and the summary. */
export function notReadyTable(rows: NotReady[]): string[][] {
  return [['resource', 'state', 'message'], ...rows.map((r) => [r.resource, r.state, r.message])]
}
