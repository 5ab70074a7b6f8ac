/**
 * Apply and wait: applies objects server-side and waits until what they define is ready (the
 * rules of readiness.ts), or says which resource is not and why. The deploy stage and the ArgoCD
 * install and Application waits are built on it.
 */
import type { Clock, Logger } from '../ports.js'
import { describeObject, readiness, WAITED_KINDS, type Readiness } from './readiness.js'
import type { KubeObject } from './types.js'
import { applyOrder } from './kube.js'
import { poll, type StuckCheck } from './poll.js'

export type { StuckCheck } from './poll.js'

/** The two cluster operations deploying needs; bound to the Kube client by the deploy stage. */
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

export async function deployManifests(
  objects: KubeObject[],
  timeoutSeconds: number,
  port: DeployPort,
  clock: Clock,
  log: Logger,
  options: { pollMs?: number; stuck?: StuckCheck } = {}
): Promise<void> {
  const ordered = applyOrder(objects)
  await port.apply(ordered)
  log.info(`Applied ${ordered.length} object(s) server-side`)
  const waited = ordered.filter((o) => WAITED_KINDS.has(o.kind ?? ''))
  let pending: NotReady[] = []
  const outcome = await poll<true>(
    async () => {
      pending = []
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
      if (pending.length === 0) return { done: true }
      return { waiting: pending.map((p) => `${p.resource}: ${p.message}`).join('; ') }
    },
    {
      clock,
      timeoutMs: timeoutSeconds * 1000,
      intervalMs: options.pollMs,
      stuck: options.stuck,
      onChange: (report) => log.info(`Waiting for ${report}`)
    }
  )
  if (outcome.state === 'done') {
    log.info(`Ready: ${waited.map(describeObject).join(', ')}`)
    return
  }
  if (outcome.state === 'stuck')
    throw new DeployError(`Deployed resources cannot become ready: ${outcome.reason}`, pending)
  throw new DeployError(
    `Deployed resources were not ready after ${timeoutSeconds}s: ${outcome.message}. Raise deploy-timeout or look at the events below.`,
    pending
  )
}

/** A markdown-free, aligned table of what is not ready, for the log and the summary. */
export function notReadyTable(rows: NotReady[]): string[][] {
  return [['resource', 'state', 'message'], ...rows.map((r) => [r.resource, r.state, r.message])]
}
