/**
 * The only importer of @kubernetes/client-node. Turns its ApiExceptions into errors that name the
 * resource, the HTTP status and the server's own message.
 */
import * as k8s from '@kubernetes/client-node'
import { PassThrough } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import type { EventLike, KubeObject, PodLike } from './types.js'
import { apiErrorMessage, apiStatus } from './api-error.js'
import {
  applyOrder,
  FIELD_MANAGER,
  type Kube,
  type LogStreamOptions,
  type ObjectRef,
  type WatchQuery
} from './kube.js'

/**
 * An error from the client as one line: what we tried, then the server's message, reason and
 * code (apiErrorMessage), never the ApiException's dump of body and headers. `.code` keeps the
 * HTTP status (404 = gone) and `.status` the server's Status (isImmutableFieldError reads it).
 * The ApiException is not kept as the cause: anything printing the error whole (Node does for an
 * uncaught one) would print the dump again.
 */
export function describeApiError(e: unknown, what: string): Error {
  const message = `${what}: ${apiErrorMessage(e)}`
  if (e instanceof k8s.ApiException) {
    return Object.assign(new Error(message), { code: e.code, status: apiStatus(e) })
  }
  return new Error(message, { cause: e })
}

/** The HTTP status of an API error, if it has one. */
export function statusCode(e: unknown): number | undefined {
  return (e as { code?: number }).code
}

function header(ref: ObjectRef): k8s.KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) }
  }
}

const label = (ref: ObjectRef) =>
  `${ref.kind}/${ref.name}${ref.namespace ? ` in ${ref.namespace}` : ''}`

/**
 * Connects to the cluster of a kubeconfig file's current context; without a path, the default
 * lookup ($KUBECONFIG, ~/.kube/config, in-cluster service account) that kubectl uses.
 */
export function createKube(kubeconfigPath?: string): Kube {
  const kc = new k8s.KubeConfig()
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath)
  else kc.loadFromDefault()
  const source = kubeconfigPath ?? 'the default kubeconfig'
  const server = kc.getCurrentCluster()?.server ?? '(no server in the current context)'
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const versionApi = kc.makeApiClient(k8s.VersionApi)
  const log = new k8s.Log(kc)

  return {
    async version() {
      try {
        const v = await versionApi.getCode()
        return v.gitVersion
      } catch (e) {
        throw describeApiError(
          e,
          `The Kubernetes API at ${server} (from ${source}) did not answer; check the kubeconfig and that the cluster runs`
        )
      }
    },

    ...objectMethods(objects),
    ...podMethods(core),
    ...nodeMethods(core),
    ...logMethods(log),
    watch: (query, onEvent) => startWatch(new k8s.Watch(kc), query, onEvent)
  }
}

/** A watch re-established a second after it ends (server timeout, dropped connection). */
function startWatch(w: k8s.Watch, query: WatchQuery, onEvent: () => void): () => void {
  let stopped = false
  let controller: AbortController | undefined
  let retry: NodeJS.Timeout | undefined
  const again = () => {
    if (!stopped) retry = setTimeout(() => void start(), 1000)
  }
  const start = async () => {
    try {
      const c = await w.watch(
        query.path,
        { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector },
        () => onEvent(),
        again
      )
      if (stopped) c.abort()
      else controller = c
    } catch {
      again()
    }
  }
  void start()
  return () => {
    stopped = true
    clearTimeout(retry)
    controller?.abort()
  }
}

/** Apply, get, create and delete of any object, through the generic objects API. */
function objectMethods(
  objects: k8s.KubernetesObjectApi
): Pick<Kube, 'apply' | 'get' | 'create' | 'delete' | 'list'> {
  return {
    async list<T extends KubeObject>(apiVersion: string, kind: string, namespace?: string) {
      try {
        return (await objects.list(apiVersion, kind, namespace || undefined))
          .items as unknown as T[]
      } catch (e) {
        throw describeApiError(e, `Listing ${kind}${namespace ? ` in ${namespace}` : ''}`)
      }
    },

    async apply(list, options) {
      for (const obj of applyOrder(list)) {
        try {
          await objects.patch(
            obj as k8s.KubernetesObject,
            undefined,
            undefined,
            options?.fieldManager ?? FIELD_MANAGER,
            options?.force ?? true,
            k8s.PatchStrategy.ServerSideApply
          )
        } catch (e) {
          throw describeApiError(
            e,
            `Applying ${label({ apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace })}`
          )
        }
      }
    },

    async get<T extends KubeObject>(ref: ObjectRef) {
      try {
        return (await objects.read(header(ref) as never)) as unknown as T
      } catch (e) {
        if (statusCode(e) === 404) return undefined
        throw describeApiError(e, `Reading ${label(ref)}`)
      }
    },

    async create<T extends KubeObject>(obj: T) {
      try {
        return (await objects.create(obj as k8s.KubernetesObject)) as unknown as T
      } catch (e) {
        throw describeApiError(e, `Creating ${obj.kind}/${obj.metadata?.name}`)
      }
    },

    async delete(ref, options) {
      try {
        await objects.delete(
          header(ref),
          undefined,
          undefined,
          undefined,
          undefined,
          options?.propagation ?? 'Background'
        )
      } catch (e) {
        if (statusCode(e) === 404) return
        throw describeApiError(e, `Deleting ${label(ref)}`)
      }
    }
  }
}

/** Pods and events, through the core API. */
function podMethods(
  core: k8s.CoreV1Api
): Pick<Kube, 'listPods' | 'readPod' | 'listEvents' | 'readLog'> {
  return {
    async readLog(namespace, name, container, o) {
      try {
        return await core.readNamespacedPodLog({ namespace, name, container, ...o })
      } catch (e) {
        throw describeApiError(e, `Reading the log of ${name}/${container} in ${namespace}`)
      }
    },

    async listPods(namespace, labelSelector) {
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector })
        return list.items as unknown as PodLike[]
      } catch (e) {
        throw describeApiError(e, `Listing pods (${labelSelector}) in ${namespace}`)
      }
    },

    async readPod(namespace, name) {
      try {
        return (await core.readNamespacedPod({ namespace, name })) as unknown as PodLike
      } catch (e) {
        if (statusCode(e) === 404) return undefined
        throw describeApiError(e, `Reading pod ${name} in ${namespace}`)
      }
    },

    async listEvents(namespace, involved) {
      try {
        const fieldSelector = involved
          ? `involvedObject.kind=${involved.kind},involvedObject.name=${involved.name}`
          : undefined
        const list = await core.listNamespacedEvent({ namespace, fieldSelector })
        return list.items.map((e) => ({
          type: e.type,
          reason: e.reason,
          message: e.message,
          count: e.count,
          involvedObject: {
            kind: e.involvedObject.kind,
            name: e.involvedObject.name,
            namespace: e.involvedObject.namespace
          },
          lastTimestamp: toIso(e.lastTimestamp),
          eventTime: toIso(e.eventTime)
        })) satisfies EventLike[]
      } catch (e) {
        throw describeApiError(e, `Listing events in ${namespace}`)
      }
    }
  }
}

/** What the nodes' kubelets serve through the API server's node proxy. */
function nodeMethods(core: k8s.CoreV1Api): Pick<Kube, 'readNodeLog'> {
  return {
    async readNodeLog(node, service, tailLines) {
      // The generated call percent-encodes its path ('logs/' would become 'logs%2F') and has no
      // query parameters: the request's URL is set whole, before it is sent.
      const query = new URLSearchParams({ query: service, tailLines: String(tailLines) })
      const exact: k8s.ObservableMiddleware = {
        pre: (ctx) => {
          const url = new URL(ctx.getUrl())
          url.pathname = `/api/v1/nodes/${encodeURIComponent(node)}/proxy/logs/`
          url.search = query.toString()
          ctx.setUrl(url.toString())
          return new k8s.Observable(Promise.resolve(ctx))
        },
        post: (rsp) => new k8s.Observable(Promise.resolve(rsp))
      }
      try {
        return await core.connectGetNodeProxyWithPath(
          { name: node, path: 'logs' },
          { middleware: [exact], middlewareMergeStrategy: 'append' }
        )
      } catch (e) {
        throw describeApiError(e, `Reading the ${service} log of node ${node}`)
      }
    }
  }
}

/** A container's log as a stream of text chunks. */
function logMethods(log: k8s.Log): Pick<Kube, 'streamLog'> {
  return {
    async streamLog(namespace, pod, container, options: LogStreamOptions, onData) {
      const sink = new PassThrough()
      const decoder = new StringDecoder('utf8')
      const ended = new Promise<void>((resolve, reject) => {
        sink.on('data', (d: Buffer) => onData(decoder.write(d)))
        sink.on('end', () => {
          const rest = decoder.end()
          if (rest) onData(rest)
          resolve()
        })
        sink.on('error', reject)
      })
      let controller: AbortController
      try {
        controller = await log.log(namespace, pod, container, sink, {
          follow: options.follow,
          timestamps: true,
          sinceTime: options.sinceTime
        })
      } catch (e) {
        throw describeApiError(e, `Reading the log of pod ${pod} in ${namespace}`)
      }
      const abort = () => {
        controller.abort()
        sink.end()
      }
      if (options.signal?.aborted) abort()
      options.signal?.addEventListener('abort', abort, { once: true })
      try {
        await ended
      } finally {
        options.signal?.removeEventListener('abort', abort)
      }
    }
  }
}

function toIso(d: Date | string | undefined): string | undefined {
  if (d === undefined || d === null) return undefined
  return d instanceof Date ? d.toISOString() : String(d)
}
