/**
 * Apply and wait: applies objects server-side and waits until what they define is ready (the
 * rules of readiness.ts), or says which resource is not and why. The deploy stage and the ArgoCD
 * install and Application waits are built on it.
 */
import type { Clock, Logger } from '../ports.js'
import { describeObject, readiness, WAITED_KINDS, type Readiness } from './readiness.js'
import type { KubeObject } from './types.js'
import { applyOrder } from './kube.js'
import { isImmutableFieldError } from './api-error.js'
import { poll, type StuckCheck, type Wakeup } from './poll.js'

export type { StuckCheck } from './poll.js'

/** The cluster operations deploying needs; bound to the Kube client by the deploy stage. */
export interface DeployPort {
  apply(objects: KubeObject[]): Promise<void>
  get(obj: KubeObject): Promise<KubeObject | undefined>
  /**
   * Given, an object whose change the API server refuses as immutable (a re-run's Job with a new
   * template) is deleted and applied again; it must delete in the foreground, so that "gone"
   * means its pods are gone too. Without it such a refusal fails the deploy.
   */
  delete?(obj: KubeObject): Promise<void>
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
  options: { pollMs?: number; stuck?: StuckCheck; wakeup?: Wakeup } = {}
): Promise<void> {
  const ordered = applyOrder(objects)
  await applyReplacing(ordered, port, clock, log, timeoutSeconds)
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
      wakeup: options.wakeup,
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

/**
 * Applies the objects; when one is refused because a field it changes is immutable and the port
 * can delete, that object is deleted, waited for until gone and applied again. The objects go in
 * one batch first (the common case); only after such a refusal one by one, to know which (a
 * server-side apply of the ones before it again changes nothing).
 */
export async function applyReplacing(
  objects: KubeObject[],
  port: DeployPort,
  clock: Clock,
  log: Logger,
  timeoutSeconds: number
): Promise<void> {
  const remove = port.delete?.bind(port)
  try {
    await port.apply(objects)
    return
  } catch (e) {
    if (!remove || !isImmutableFieldError(e)) throw e
  }
  for (const o of objects) {
    try {
      await port.apply([o])
      continue
    } catch (e) {
      if (!isImmutableFieldError(e)) throw e
    }
    const what = objectName(o)
    const why = 'its spec changed and the field is immutable'
    try {
      await remove(o)
    } catch (e) {
      throw new Error(`Could not replace ${what} (${why}): ${(e as Error).message}`, { cause: e })
    }
    const gone = await poll<true>(
      async () => ((await port.get(o)) ? { waiting: 'being deleted' } : { done: true }),
      { clock, timeoutMs: timeoutSeconds * 1000 }
    )
    if (gone.state !== 'done')
      throw new Error(
        `Could not replace ${what} (${why}): it was still being deleted after ${timeoutSeconds}s (a finalizer?); delete it by hand`
      )
    await port.apply([o])
    log.info(`Replaced ${what}: ${why}`)
  }
}

/** `Job db/db-setup`, `Namespace db`: the kind, then the name as kubectl spells it. */
function objectName(o: KubeObject): string {
  const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : ''
  return `${o.kind ?? '?'} ${ns}${o.metadata?.name ?? '?'}`
}

/** A markdown-free, aligned table of what is not ready, for the log and the summary. */
export function notReadyTable(rows: NotReady[]): string[][] {
  return [['resource', 'state', 'message'], ...rows.map((r) => [r.resource, r.state, r.message])]
}
