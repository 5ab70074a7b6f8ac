/**
 * The namespaces a run writes into. A namespace still terminating (an earlier run's cleanup
 * deleted it without waiting, a second run started a second later) takes no new objects, and a
 * moment later it is gone, so the next object finds no namespace at all. Before anything goes into
 * a namespace, one that is terminating is waited out (up to stuck-timeout, said once), then the
 * namespace is created; one held past that is an error naming what holds it.
 *
 * `waitingOutNamespaces` puts this in front of every write (apply and create) of the Kube port, so
 * each path is covered by the one rule: the test namespace, the manifests' namespaces, `argocd`
 * when the run installs it, and the Application's destination (deploy applies it as a Namespace).
 */
import type { Clock, Logger } from '../ports.js'
import type { ApplyOptions, Kube, ObjectRef } from './kube.js'
import type { KubeObject, NamespaceLike } from './types.js'
import { poll, Wakeup } from './poll.js'

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }
}

const namespaceRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name })

/** Deleted but not gone yet: its content (and then itself) is still being removed. */
export function isTerminating(ns: NamespaceLike): boolean {
  return Boolean(ns.metadata?.deletionTimestamp) || ns.status?.phase === 'Terminating'
}

/**
 * The namespace controller's conditions, cause first: a failure or a finalizer keeps the content,
 * and the content that remains keeps the namespace.
 */
const CONDITION_ORDER = [
  'NamespaceDeletionContentFailure',
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceFinalizersRemaining',
  'NamespaceContentRemaining'
]

/**
 * What still holds a terminating namespace, one phrase each, from its own conditions (those that
 * are True) and its finalizers. `kubernetes` in spec.finalizers is the namespace controller's own:
 * it only says the content is not deleted yet, so it is named only when nothing else says more.
 */
export function whatHolds(ns: NamespaceLike): string[] {
  const rank = (type: string) => {
    const i = CONDITION_ORDER.indexOf(type)
    return i < 0 ? CONDITION_ORDER.length : i
  }
  const held = (ns.status?.conditions ?? [])
    .filter((c) => c.status === 'True' && c.type?.startsWith('Namespace'))
    .sort((a, b) => rank(a.type ?? '') - rank(b.type ?? ''))
    .map((c) => `${c.type}: ${(c.message ?? c.reason ?? '').trim()}`)
  for (const f of ns.metadata?.finalizers ?? []) held.push(`finalizer ${f} on the namespace`)
  const spec = ns.spec?.finalizers ?? []
  for (const f of spec) if (f !== 'kubernetes') held.push(`finalizer ${f} in its spec`)
  if (held.length === 0)
    held.push(
      spec.includes('kubernetes')
        ? 'its content is still being deleted (finalizer kubernetes)'
        : 'no condition says why yet'
    )
  return held
}

/** The namespaces objects go into, and those of them the objects declare (Namespace objects). */
export function namespacesOf(objects: KubeObject[]): { names: string[]; declared: Set<string> } {
  const declared = new Set<string>()
  const names = new Set<string>()
  for (const o of objects) {
    if (o.kind === 'Namespace' && o.metadata?.name) {
      declared.add(o.metadata.name)
      names.add(o.metadata.name)
    } else if (o.metadata?.namespace) names.add(o.metadata.namespace)
  }
  return { names: [...names], declared }
}

export interface NamespaceWaitOptions {
  clock: Clock
  log: Logger
  /** How long a terminating namespace may take to go (the stuck-timeout input). */
  timeoutSeconds: number
  intervalMs?: number
}

/** A namespace that stayed terminating past stuck-timeout; the message names what holds it. */
export class NamespaceStuckError extends Error {
  constructor(
    readonly namespace: string,
    readonly held: string[],
    timeoutSeconds: number
  ) {
    super(
      `Namespace ${namespace} is still terminating after ${timeoutSeconds}s (stuck-timeout), held by ${held.join('; ')}. ` +
        `It was deleted and cannot go until that is removed: see kubectl get namespace ${namespace} -o yaml, remove what holds it, or run in another namespace`
    )
    this.name = 'NamespaceStuckError'
  }
}

/** Each namespace made ready once per run; concurrent asks for one namespace share the wait. */
export class NamespaceGate {
  private readonly ready = new Map<string, Promise<void>>()

  constructor(
    private readonly kube: Kube,
    private readonly o: NamespaceWaitOptions
  ) {}

  /**
   * Waits out each namespace still terminating, then creates the missing ones, except those in
   * `declared`: the caller applies their Namespace objects itself (with its own labels).
   */
  async prepare(names: Iterable<string>, declared: ReadonlySet<string> = new Set()): Promise<void> {
    await Promise.all([...new Set(names)].map((n) => this.once(n, !declared.has(n))))
  }

  private once(name: string, create: boolean): Promise<void> {
    let p = this.ready.get(name)
    if (!p) {
      p = this.prepareOne(name, create)
      this.ready.set(name, p)
      // A failed wait is asked again next time, not remembered as ready.
      p.catch(() => this.ready.delete(name))
    }
    return p
  }

  private async prepareOne(name: string, create: boolean): Promise<void> {
    let live: NamespaceLike | undefined
    try {
      live = await this.kube.get<NamespaceLike>(namespaceRef(name))
    } catch (e) {
      // Without the right to read namespaces there is nothing to wait on: the write says the rest.
      if ((e as { code?: number }).code === 403) return
      throw e
    }
    if (live && !isTerminating(live)) return
    if (live) await this.waitOut(name)
    if (!create) return
    await this.kube.apply([namespaceObject(name)])
    this.o.log.info(`Created Namespace ${name}`)
  }

  private async waitOut(name: string): Promise<void> {
    const { clock, log, timeoutSeconds } = this.o
    const started = clock.now()
    const wakeup = new Wakeup()
    // The namespace's own changes end the sleep between reads, so its end is seen at once.
    const stop = this.kube.watch?.(
      { path: '/api/v1/namespaces', fieldSelector: `metadata.name=${name}` },
      () => wakeup.wake()
    )
    let held: string[] = []
    let told = false
    try {
      const outcome = await poll<true>(
        async () => {
          const ns = await this.kube.get<NamespaceLike>(namespaceRef(name))
          if (!ns || !isTerminating(ns)) return { done: true }
          held = whatHolds(ns)
          return { waiting: held.join('; ') }
        },
        {
          clock,
          timeoutMs: timeoutSeconds * 1000,
          intervalMs: this.o.intervalMs,
          wakeup,
          onChange: (m) => {
            log.info(
              told
                ? `Namespace ${name}: ${m}`
                : `Namespace ${name} is still terminating (deleted by an earlier run?): waiting up to ${timeoutSeconds}s (stuck-timeout) for it to go: ${m}`
            )
            told = true
          }
        }
      )
      if (outcome.state !== 'done') throw new NamespaceStuckError(name, held, timeoutSeconds)
    } finally {
      stop?.()
    }
    log.info(`Namespace ${name} is gone after ${Math.round((clock.now() - started) / 1000)}s`)
  }
}

/**
 * The Kube port with every write behind the NamespaceGate: before objects are applied or created,
 * the namespaces they go into are waited out if terminating and created if missing, and the
 * Namespaces among them are waited out before they are applied.
 */
export function waitingOutNamespaces(kube: Kube, o: NamespaceWaitOptions): Kube {
  const gate = new NamespaceGate(kube, o)
  const watch = kube.watch?.bind(kube)
  return {
    version: () => kube.version(),
    async apply(objects: KubeObject[], options?: ApplyOptions) {
      const { names, declared } = namespacesOf(objects)
      await gate.prepare(names, declared)
      await kube.apply(objects, options)
    },
    get: <T extends KubeObject = KubeObject>(ref: ObjectRef) => kube.get<T>(ref),
    async create<T extends KubeObject>(obj: T): Promise<T> {
      const { names, declared } = namespacesOf([obj])
      await gate.prepare(names, declared)
      return kube.create(obj)
    },
    delete: (ref, options) => kube.delete(ref, options),
    list: <T extends KubeObject = KubeObject>(
      apiVersion: string,
      kind: string,
      namespace?: string
    ) => kube.list<T>(apiVersion, kind, namespace),
    listPods: (namespace, selector) => kube.listPods(namespace, selector),
    readPod: (namespace, name) => kube.readPod(namespace, name),
    listEvents: (namespace, involved) => kube.listEvents(namespace, involved),
    readLog: (namespace, pod, container, options) =>
      kube.readLog(namespace, pod, container, options),
    readNodeLog: (node, service, tail) => kube.readNodeLog(node, service, tail),
    streamLog: (namespace, pod, container, options, onData) =>
      kube.streamLog(namespace, pod, container, options, onData),
    ...(watch ? { watch } : {})
  }
}
