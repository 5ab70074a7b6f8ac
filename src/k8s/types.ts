/**
 * The cluster's vocabulary: the plain shapes of the Kubernetes objects every stage reads or
 * writes. They hold only the fields we use, so fakes and captured fixtures stay small, and they
 * live here, under the port, so the port never imports its consumers.
 */

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; namespace?: string; generation?: number }
  spec?: Record<string, unknown>
  status?: Record<string, unknown>
}

export interface ContainerStateLike {
  waiting?: { reason?: string; message?: string }
  running?: { startedAt?: string }
  terminated?: {
    reason?: string
    message?: string
    exitCode?: number
    signal?: number
    finishedAt?: string
  }
}

export interface PodLike {
  metadata?: {
    name?: string
    namespace?: string
    labels?: Record<string, string>
    creationTimestamp?: string
    ownerReferences?: Array<{ kind?: string; name?: string }>
    deletionTimestamp?: string
    deletionGracePeriodSeconds?: number
  }
  spec?: {
    containers?: Array<{
      name?: string
      image?: string
      resources?: { limits?: Record<string, string>; requests?: Record<string, string> }
    }>
  }
  status?: {
    phase?: string
    reason?: string
    message?: string
    conditions?: Condition[]
    containerStatuses?: Array<{
      name?: string
      image?: string
      ready?: boolean
      restartCount?: number
      state?: ContainerStateLike
      lastState?: ContainerStateLike
    }>
    initContainerStatuses?: Array<{ name?: string; state?: ContainerStateLike }>
  }
}

/** A status condition, as pods, nodes and most objects write them. */
export interface Condition {
  type?: string
  status?: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

/**
 * A Namespace as its deletion shows it: the deletion timestamp, the finalizers that hold it, and
 * the namespace controller's conditions (NamespaceContentRemaining, NamespaceFinalizersRemaining,
 * NamespaceDeletionContentFailure, …) saying what is left to delete.
 */
export interface NamespaceLike extends KubeObject {
  metadata?: KubeObject['metadata'] & { deletionTimestamp?: string; finalizers?: string[] }
  spec?: { finalizers?: string[] }
  status?: { phase?: string; conditions?: Condition[] }
}

export interface JobLike {
  spec?: { activeDeadlineSeconds?: number }
  status?: {
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>
  }
}

export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> }
  spec?: { unschedulable?: boolean }
  status?: {
    conditions?: Condition[]
    nodeInfo?: { architecture?: string; kubeletVersion?: string; osImage?: string }
  }
}

export interface EventLike {
  type?: string
  reason?: string
  message?: string
  count?: number
  involvedObject?: { kind?: string; name?: string; namespace?: string }
  lastTimestamp?: string
  eventTime?: string
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: unknown
}

export interface Container {
  name?: string
  image?: string
  imagePullPolicy?: string
  command?: string[]
  args?: string[]
  env?: EnvVar[]
  envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }>
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> }
}

/** A batch/v1 Job as the action renders it from its template. */
export interface JobObject extends KubeObject {
  spec: {
    activeDeadlineSeconds?: number
    backoffLimit?: number
    template: {
      metadata?: { labels?: Record<string, string> }
      spec: { containers: Container[]; imagePullSecrets?: Array<{ name: string }> }
    }
  }
}
