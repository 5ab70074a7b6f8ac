/**
 * The cluster operations the pipeline needs, in our own plain types. client.ts binds them to
 * @kubernetes/client-node; tests use __fixtures__/fake-kube.ts. Nothing else sees the client.
 */
import type { KubeObject } from '../deploy/readiness.js'
import type { EventLike, PodLike } from '../diagnosis/diagnose.js'

export interface ObjectRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

export interface LogStreamOptions {
  follow: boolean
  /** RFC3339 time: only lines at or after it. */
  sinceTime?: string
  signal?: AbortSignal
}

export interface Kube {
  /** The API server's version; fails with a message naming the server when it does not answer. */
  version(): Promise<string>
  /** Server-side apply, in the order given, with our field manager and force (we own these objects). */
  apply(objects: KubeObject[]): Promise<void>
  /** The live object, or undefined when it does not exist. */
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>
  create<T extends KubeObject>(obj: T): Promise<T>
  /** Deletes with background propagation; a missing object is not an error. */
  delete(ref: ObjectRef): Promise<void>
  listPods(namespace: string, labelSelector: string): Promise<PodLike[]>
  listEvents(namespace: string): Promise<EventLike[]>
  /** Streams a container's log with timestamps; resolves when the server closes the stream. */
  streamLog(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onData: (chunk: string) => void
  ): Promise<void>
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    name: obj.metadata?.name ?? '',
    namespace: obj.metadata?.namespace
  }
}
