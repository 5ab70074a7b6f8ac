/**
 * API watches that only say "something changed here": the waits read the objects themselves and
 * decide (poll.ts), a watch event just ends the sleep between their reads, so a rollout is seen as
 * ready within a round trip of the API server saying so.
 */
import type { Kube } from './kube.js'

/** The collections whose changes move a deploy wait: workloads and their pods. */
function workloadPaths(namespace: string): string[] {
  return [
    `/api/v1/namespaces/${namespace}/pods`,
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
    `/apis/apps/v1/namespaces/${namespace}/daemonsets`,
    `/apis/batch/v1/namespaces/${namespace}/jobs`
  ]
}

/** Watches collections, each path once, until stopped; every event calls `changed`. */
export class ChangeWatch {
  private readonly stops = new Map<string, () => void>()

  constructor(
    private readonly kube: Kube,
    private readonly changed: () => void
  ) {}

  /** The workloads and pods of a namespace, and any other collection paths given. */
  namespace(namespace: string, extraPaths: string[] = []): void {
    for (const p of [...workloadPaths(namespace), ...extraPaths]) this.path(p)
  }

  path(path: string): void {
    if (!this.kube.watch || this.stops.has(path)) return
    this.stops.set(path, this.kube.watch({ path }, this.changed))
  }

  stop(): void {
    for (const stop of this.stops.values()) stop()
    this.stops.clear()
  }
}
