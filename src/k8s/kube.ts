/**
 * The cluster operations the pipeline needs, in our own plain types. client.ts binds them to
 * @kubernetes/client-node; tests use __fixtures__/fake-kube.ts. Nothing else sees the client.
 */
import type { EventLike, KubeObject, PodLike } from './types.js'

/** The field manager of everything the action applies (its objects' managedFields name it). */
export const FIELD_MANAGER = 'in-cluster-test'

export interface ObjectRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

export interface LogStreamOptions {
  follow: boolean
  /** RFC3339 time: only lines at or after it (the API honours whole seconds only). */
  sinceTime?: string
  signal?: AbortSignal
}

export interface ReadLogOptions {
  /** Only lines of the last this many seconds. */
  sinceSeconds?: number
  /** The container's previous instance (after a restart). */
  previous?: boolean
  /** Only the last this many lines... */
  tailLines?: number
  /** ...and of those at most this many bytes. */
  limitBytes?: number
}

export interface ApplyOptions {
  /** Defaults to the action's name, so a later apply by the same run owns the same fields. */
  fieldManager?: string
  /** Take over fields another manager owns (true by default: we own what we apply). */
  force?: boolean
}

/** What a watch looks at: the collection of a kind in a namespace, narrowed by selectors. */
export interface WatchQuery {
  /** The collection's path, e.g. /apis/batch/v1/namespaces/ns/jobs. */
  path: string
  labelSelector?: string
  fieldSelector?: string
}

export interface DeleteOptions {
  /**
   * Background (the default) returns at once and leaves the dependents to the garbage collector;
   * Foreground keeps the object (with a deletionTimestamp) until its dependents are gone, so
   * "not found" then means the Job's pods are gone too.
   */
  propagation?: 'Background' | 'Foreground'
}

export interface Kube {
  /** The API server's version; fails with a message naming the server when it does not answer. */
  version(): Promise<string>
  /**
   * Server-side apply, CustomResourceDefinitions and Namespaces first (see applyOrder), the rest
   * in the order given.
   */
  apply(objects: KubeObject[], options?: ApplyOptions): Promise<void>
  /** The live object, or undefined when it does not exist. */
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>
  create<T extends KubeObject>(obj: T): Promise<T>
  /** Deletes (background propagation unless told otherwise); a missing object is not an error. */
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<void>
  /**
   * Objects of a kind in a namespace (Deployments, StatefulSets, …); without a namespace, those of
   * every namespace, or the cluster's own for a kind that has none (Nodes).
   */
  list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace?: string
  ): Promise<T[]>
  listPods(namespace: string, labelSelector: string): Promise<PodLike[]>
  /** One pod, or undefined when it does not exist (any more). */
  readPod(namespace: string, name: string): Promise<PodLike | undefined>
  /** Events of a namespace, optionally only those about one object. */
  listEvents(
    namespace: string,
    involvedObject?: { kind: string; name: string }
  ): Promise<EventLike[]>
  /** A container's log as text, read once (no follow); bounded by the options. */
  readLog(
    namespace: string,
    pod: string,
    container: string,
    options: ReadLogOptions
  ): Promise<string>
  /**
   * A systemd service's log on a node (the kubelet's), through the API server's node proxy and
   * the kubelet's log query (`/logs/?query=<service>`): its last `tailLines` lines. Errors carry
   * `.code` (403 without the nodes/proxy permission, 404 or 400 where the kubelet does not serve
   * log queries).
   */
  readNodeLog(node: string, service: string, tailLines: number): Promise<string>
  /**
   * Streams a container's log with timestamps; resolves when the server closes the stream (or
   * the signal aborts it). Errors carry `.code` (404 for a pod that is gone).
   */
  streamLog(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onData: (chunk: string) => void
  ): Promise<void>
  /**
   * Calls `onEvent` on every change the API server reports for the query, until the returned
   * stop is called. A hint only: callers read the objects themselves, so a dropped watch (it is
   * re-established) costs latency, never correctness. Optional: fakes may leave it out.
   */
  watch?(query: WatchQuery, onEvent: () => void): () => void
}

/** The reference (apiVersion, kind, name, namespace) of an object, for get/delete. */
export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    name: obj.metadata?.name ?? '',
    namespace: obj.metadata?.namespace
  }
}

/**
 * The order to apply objects in: CRDs first (custom resources of the same batch need their type
 * served), then Namespaces (namespaced objects need them), then the rest in their given order.
 */
export function applyOrder<T extends KubeObject>(objects: T[]): T[] {
  const rank = (o: KubeObject) =>
    o.kind === 'CustomResourceDefinition' ? 0 : o.kind === 'Namespace' ? 1 : 2
  // Array.prototype.sort is stable, so equal ranks keep the caller's order.
  return [...objects].sort((a, b) => rank(a) - rank(b))
}
