/**
 * The only importer of @kubernetes/client-node. Turns its ApiExceptions into errors that name the
 * resource, the HTTP status and the server's own message.
 */
// The package's index re-exports every generated API group, and ncc (webpack) keeps each module
// it reaches whole: we import only the modules we use (the package has no `exports` map).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js'
import {
  CoreV1ApiRequestFactory,
  CoreV1ApiResponseProcessor
} from '@kubernetes/client-node/dist/gen/apis/CoreV1Api.js'
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js'
import {
  VersionApiRequestFactory,
  VersionApiResponseProcessor
} from '@kubernetes/client-node/dist/gen/apis/VersionApi.js'
import type { Configuration } from '@kubernetes/client-node/dist/gen/configuration.js'
import type {
  HttpInfo,
  RequestContext,
  ResponseContext
} from '@kubernetes/client-node/dist/gen/http/http.js'
import type { Middleware } from '@kubernetes/client-node/dist/gen/middleware.js'
import { Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js'
import { Log } from '@kubernetes/client-node/dist/log.js'
import { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js'
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js'
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js'
import type { KubernetesObject } from '@kubernetes/client-node/dist/types.js'
import { getSerializationType } from '@kubernetes/client-node/dist/util.js'
import { Watch } from '@kubernetes/client-node/dist/watch.js'
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
  if (e instanceof ApiException) {
    return Object.assign(new Error(message), { code: e.code, status: apiStatus(e) })
  }
  return new Error(message, { cause: e })
}

/** The HTTP status of an API error, if it has one. */
export function statusCode(e: unknown): number | undefined {
  return (e as { code?: number }).code
}

function header(ref: ObjectRef): KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) }
  }
}

/**
 * One call of a generated API, made as the package's own wrappers make it: the request factory's
 * request, the configuration's middleware (then `extra`) around the send, the response
 * processor's answer. Those wrappers (types/ObservableAPI.js) are a single 6 MB module for all
 * API groups that a bundler would keep whole, for the five calls we make.
 */
type Send = <T>(
  request: Promise<RequestContext>,
  parse: (response: ResponseContext) => Promise<HttpInfo<T>>,
  extra?: Middleware[]
) => Promise<T>

function sender(config: Configuration): Send {
  return async (request, parse, extra = []) => {
    const middleware = [...config.middleware, ...extra]
    let context = await request
    for (const m of middleware) context = await m.pre(context).toPromise()
    let response = await config.httpApi.send(context).toPromise()
    for (const m of [...middleware].reverse()) response = await m.post(response).toPromise()
    return (await parse(response)).data
  }
}

/** The core API's requests and answers, and how to send them, with kc's server and auth. */
interface CoreApi {
  request: CoreV1ApiRequestFactory
  parse: CoreV1ApiResponseProcessor
  send: Send
}

const label = (ref: ObjectRef) =>
  `${ref.kind}/${ref.name}${ref.namespace ? ` in ${ref.namespace}` : ''}`

/**
 * Connects to the cluster of a kubeconfig file's current context; without a path, the default
 * lookup ($KUBECONFIG, ~/.kube/config, in-cluster service account) that kubectl uses.
 */
export function createKube(kubeconfigPath?: string): Kube {
  const kc = new KubeConfig()
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath)
  else kc.loadFromDefault()
  const source = kubeconfigPath ?? 'the default kubeconfig'
  const server = kc.getCurrentCluster()?.server ?? '(no server in the current context)'
  const objects = KubernetesObjectApi.makeApiClient(kc)
  // What kc.makeApiClient hands a generated API's constructor: the server and auth of kc.
  const config = kc.makeApiClient(
    class {
      constructor(readonly config: Configuration) {}
    }
  ).config
  const send = sender(config)
  const core: CoreApi = {
    request: new CoreV1ApiRequestFactory(config),
    parse: new CoreV1ApiResponseProcessor(),
    send
  }
  const versionRequest = new VersionApiRequestFactory(config)
  const versionParse = new VersionApiResponseProcessor()
  const log = new Log(kc)

  return {
    async version() {
      try {
        const v = await send(versionRequest.getCode(), (r) => versionParse.getCodeWithHttpInfo(r))
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
    watch: (query, onEvent) => startWatch(new Watch(kc), query, onEvent)
  }
}

/** A watch re-established a second after it ends (server timeout, dropped connection). */
function startWatch(w: Watch, query: WatchQuery, onEvent: () => void): () => void {
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

/**
 * An object as the client's model of its kind. patch() and create() serialize a kind the client
 * knows (a CustomResourceDefinition, a Deployment) by its model's property names, so a plain
 * object's `x-kubernetes-preserve-unknown-fields` and the like would be dropped without a word:
 * ArgoCD's CRDs lost them, and the API server then pruned an Application's helm valuesObject to {}.
 * Read into the model first, they are written back under their own names. Kinds the client does
 * not know (custom resources) pass as they are.
 */
function asModel(obj: KubeObject): KubernetesObject {
  return ObjectSerializer.deserialize(
    obj,
    getSerializationType(obj.apiVersion, obj.kind)
  ) as KubernetesObject
}

/** Apply, get, create and delete of any object, through the generic objects API. */
function objectMethods(
  objects: KubernetesObjectApi
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
            asModel(obj),
            undefined,
            undefined,
            options?.fieldManager ?? FIELD_MANAGER,
            options?.force ?? true,
            PatchStrategy.ServerSideApply
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
        return (await objects.create(asModel(obj))) as unknown as T
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
function podMethods({
  request,
  parse,
  send
}: CoreApi): Pick<Kube, 'listPods' | 'readPod' | 'listEvents' | 'readLog'> {
  return {
    async readLog(namespace, name, container, o) {
      try {
        return await send(
          // (name, namespace, container, follow, insecureSkipTLSVerifyBackend, limitBytes,
          // pretty, previous, sinceSeconds, stream, tailLines)
          request.readNamespacedPodLog(
            name,
            namespace,
            container,
            undefined,
            undefined,
            o?.limitBytes,
            undefined,
            o?.previous,
            o?.sinceSeconds,
            undefined,
            o?.tailLines
          ),
          (r) => parse.readNamespacedPodLogWithHttpInfo(r)
        )
      } catch (e) {
        throw describeApiError(e, `Reading the log of ${name}/${container} in ${namespace}`)
      }
    },

    async listPods(namespace, labelSelector) {
      try {
        const list = await send(
          // (namespace, pretty, allowWatchBookmarks, continue, fieldSelector, labelSelector)
          request.listNamespacedPod(
            namespace,
            undefined,
            undefined,
            undefined,
            undefined,
            labelSelector
          ),
          (r) => parse.listNamespacedPodWithHttpInfo(r)
        )
        return list.items as unknown as PodLike[]
      } catch (e) {
        throw describeApiError(e, `Listing pods (${labelSelector}) in ${namespace}`)
      }
    },

    async readPod(namespace, name) {
      try {
        return (await send(request.readNamespacedPod(name, namespace), (r) =>
          parse.readNamespacedPodWithHttpInfo(r)
        )) as unknown as PodLike
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
        const list = await send(
          // (namespace, pretty, allowWatchBookmarks, continue, fieldSelector)
          request.listNamespacedEvent(namespace, undefined, undefined, undefined, fieldSelector),
          (r) => parse.listNamespacedEventWithHttpInfo(r)
        )
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
function nodeMethods({ request, parse, send }: CoreApi): Pick<Kube, 'readNodeLog'> {
  return {
    async readNodeLog(node, service, tailLines) {
      // The generated call percent-encodes its path ('logs/' would become 'logs%2F') and has no
      // query parameters: the request's URL is set whole, before it is sent.
      const query = new URLSearchParams({ query: service, tailLines: String(tailLines) })
      const exact: Middleware = {
        pre: (ctx) => {
          const url = new URL(ctx.getUrl())
          url.pathname = `/api/v1/nodes/${encodeURIComponent(node)}/proxy/logs/`
          url.search = query.toString()
          ctx.setUrl(url.toString())
          return new Observable(Promise.resolve(ctx))
        },
        post: (rsp) => new Observable(Promise.resolve(rsp))
      }
      try {
        return await send(
          request.connectGetNodeProxyWithPath(node, 'logs'),
          (r) => parse.connectGetNodeProxyWithPathWithHttpInfo(r),
          [exact]
        )
      } catch (e) {
        throw describeApiError(e, `Reading the ${service} log of node ${node}`)
      }
    }
  }
}

/** A container's log as a stream of text chunks. */
function logMethods(log: Log): Pick<Kube, 'streamLog'> {
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
