import type { KubeObject } from '../src/k8s/types.js'
import type { EventLike, PodLike } from '../src/k8s/types.js'
import { readFileSync } from 'node:fs'
import { applyOrder, type ApplyOptions, type DeleteOptions, type Kube, type LogStreamOptions, type ObjectRef, type ReadLogOptions } from '../src/k8s/kube.js'

type Step<T> = T | ((call: number) => T)

/**
 * An in-memory Kube. Job and pod states are scripted as sequences (one entry per read; the last
 * one repeats), log reads are scripted as chunk lists, and everything applied or created is kept.
 */
export class FakeKube implements Kube {
  readonly applied: KubeObject[] = []
  readonly created: KubeObject[] = []
  readonly deleted: ObjectRef[] = []
  readonly deleteOptions: Array<DeleteOptions | undefined> = []
  /** Kubelet logs readNodeLog returns, by `node/service`; a missing one is a 403. */
  nodeLogs = new Map<string, string | Error>()
  readonly logCalls: LogStreamOptions[] = []
  readonly applyOptions: Array<ApplyOptions | undefined> = []
  /** Unset by default: the watch then only polls, as against a server that cannot watch. */
  watch?: Kube['watch']
  objects = new Map<string, KubeObject>()
  jobStatuses: Array<Step<object | undefined>> = []
  podSequence: Array<PodLike[] | Error> = [[]]
  logReads: Array<string[] | Error> = []
  events: EventLike[] = []
  versionError?: Error
  /** An error the API server answers applying this object with, if any (the batch stops there, as in client.ts). */
  applyError?: (o: KubeObject) => Error | undefined
  /** Logs readLog returns, by `pod/container` (`pod/container/previous` for a previous instance). */
  containerLogs = new Map<string, string>()
  readonly readLogCalls: Array<{ pod: string; container: string } & ReadLogOptions> = []
  private jobReads = 0
  private podReads = 0

  private key(r: ObjectRef): string {
    return `${r.kind}/${r.namespace ?? ''}/${r.name}`
  }

  async version(): Promise<string> {
    if (this.versionError) throw this.versionError
    return 'v1.32.9'
  }
  async apply(objects: KubeObject[], options?: ApplyOptions): Promise<void> {
    this.applyOptions.push(options)
    // Same order as the real client, so tests see what the API server would receive.
    for (const o of applyOrder(objects)) {
      const refused = this.applyError?.(o)
      if (refused) throw refused
      this.applied.push(o)
      this.objects.set(this.key({ apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata!.name!, namespace: o.metadata?.namespace }), o)
    }
  }
  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    if (ref.kind === 'Job' && this.created.some((c) => c.kind === 'Job')) {
      const i = Math.min(this.jobReads++, this.jobStatuses.length - 1)
      const step = this.jobStatuses[i]
      const status = typeof step === 'function' ? step(i) : step
      if (status === undefined) return undefined
      const job = this.created.find((c) => c.kind === 'Job')!
      return { ...job, status } as T
    }
    return this.objects.get(this.key(ref)) as T | undefined
  }
  async create<T extends KubeObject>(obj: T): Promise<T> {
    this.created.push(obj)
    return obj
  }
  async delete(ref: ObjectRef, options?: DeleteOptions): Promise<void> {
    this.deleted.push(ref)
    this.deleteOptions.push(options)
    this.objects.delete(this.key(ref))
  }
  /** Without a namespace: every namespace's (and cluster-scoped) objects of that kind. */
  async list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, namespace?: string): Promise<T[]> {
    return [...this.objects.values()].filter(
      (o) => o.apiVersion === apiVersion && o.kind === kind && (namespace === undefined || o.metadata?.namespace === namespace)
    ) as T[]
  }
  async readNodeLog(node: string, service: string, _tailLines: number): Promise<string> {
    const log = this.nodeLogs.get(`${node}/${service}`)
    if (log === undefined) throw Object.assign(new Error(`Reading the ${service} log of node ${node}: forbidden (403 Forbidden)`), { code: 403 })
    if (log instanceof Error) throw log
    return log
  }
  async readLog(_ns: string, pod: string, container: string, options: ReadLogOptions): Promise<string> {
    this.readLogCalls.push({ pod, container, ...options })
    const log = this.containerLogs.get(`${pod}/${container}${options.previous ? '/previous' : ''}`)
    if (log === undefined) throw Object.assign(new Error(`no log for ${pod}/${container}`), { code: 400 })
    return log
  }
  /** The label selectors listPods was called with, in order. */
  podSelectors: string[] = []
  async listPods(_ns: string, selector = ''): Promise<PodLike[]> {
    this.podSelectors.push(selector)
    const step = this.podSequence[Math.min(this.podReads++, this.podSequence.length - 1)]
    if (step instanceof Error) throw step
    return step
  }
  /** The last pod of the current listPods step with that name (does not advance the sequence). */
  async readPod(_ns: string, name: string): Promise<PodLike | undefined> {
    const step = this.podSequence[Math.min(Math.max(this.podReads - 1, 0), this.podSequence.length - 1)]
    if (step instanceof Error) throw step
    return step.find((p) => p.metadata?.name === name)
  }
  async listEvents(_ns: string, involved?: { kind: string; name: string }): Promise<EventLike[]> {
    return involved
      ? this.events.filter((e) => e.involvedObject?.kind === involved.kind && e.involvedObject?.name === involved.name)
      : this.events
  }
  async streamLog(_ns: string, _pod: string, _c: string, options: LogStreamOptions, onData: (chunk: string) => void): Promise<void> {
    this.logCalls.push(options)
    const read = this.logReads.shift() ?? []
    if (read instanceof Error) throw read
    for (const chunk of read) onData(chunk)
  }
}

export const runningPod = (name = 'tests-1'): PodLike => ({
  metadata: { name },
  status: { phase: 'Running', containerStatuses: [{ name: 'tests', state: { running: { startedAt: '2026-11-25T04:00:00Z' } } }] }
})

export const terminatedPod = (exitCode: number, reason: string, name = 'tests-1', limits?: Record<string, string>): PodLike => ({
  metadata: { name },
  spec: { containers: [{ name: 'tests', resources: { limits } }] },
  status: {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [{ name: 'tests', state: { terminated: { exitCode, reason } } }]
  }
})

export const completed = { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }], succeeded: 1 }
export const failed = (reason = 'BackoffLimitExceeded', message = 'Job has reached the specified backoff limit') => ({
  conditions: [{ type: 'FailureTarget', status: 'True', reason, message }, { type: 'Failed', status: 'True', reason, message }],
  failed: 1
})

/**
 * A real object captured from a cluster by __fixtures__/k8s/capture.sh, e.g. realFixture('pod-oomkilled').
 * Tests read them as the API returned them, so a field we rely on cannot be made up.
 */
export function realFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./k8s/${name}.json`, import.meta.url), 'utf8')) as T
}
