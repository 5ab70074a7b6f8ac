/**
 * When an ArgoCD Application counts as deployed: Synced and Healthy at the revision under test,
 * with no operation in flight. A Degraded or errored state gets a grace period (it is often
 * transient while pods start), then fails with the resources that are not healthy.
 */

export interface ApplicationLike {
  metadata?: { name?: string; namespace?: string }
  spec?: { source?: { targetRevision?: string } }
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] }
    health?: { status?: string; message?: string }
    operationState?: { phase?: string; message?: string; finishedAt?: string }
    reconciledAt?: string
    conditions?: Array<{ type?: string; message?: string }>
    resources?: Array<{
      group?: string
      version?: string
      kind?: string
      namespace?: string
      name?: string
      status?: string
      health?: { status?: string; message?: string }
    }>
  }
}

export interface UnhealthyResource {
  resource: string
  sync: string
  health: string
  message: string
}

export type AppVerdict =
  | { state: 'ready'; revision?: string }
  | { state: 'waiting'; message: string; troubled: boolean }
  | { state: 'failed'; message: string }

/** A revision matches when one is a prefix of the other (short SHAs in inputs, full ones in status). */
export function sameRevision(a: string, b: string): boolean {
  if (!a || !b) return false
  return a.startsWith(b) || b.startsWith(a)
}

export function unhealthyResources(app: ApplicationLike): UnhealthyResource[] {
  return (app.status?.resources ?? [])
    .filter(
      (r) => (r.health && r.health.status !== 'Healthy') || (r.status && r.status !== 'Synced')
    )
    .map((r) => ({
      resource: `${r.kind ?? '?'}/${r.name ?? '?'}${r.namespace ? ` in ${r.namespace}` : ''}`,
      sync: r.status ?? '',
      health: r.health?.status ?? '',
      message: r.health?.message ?? ''
    }))
}

const ERROR_CONDITIONS = /Error$/ // ComparisonError, InvalidSpecError, SyncError, ...

/**
 * @param expectedRevision the commit under test, when the Application tracks it
 * @param troubledForMs how long the app has been Degraded or in an error condition so far
 */
export function evaluateApplication(
  app: ApplicationLike,
  expectedRevision: string | undefined,
  troubledForMs: number,
  graceMs: number
): AppVerdict {
  const s = app.status ?? {}
  const op = s.operationState
  if (op && (op.phase === 'Failed' || op.phase === 'Error')) {
    return {
      state: 'failed',
      message: `sync ${op.phase.toLowerCase()}: ${op.message ?? ''}`.trim()
    }
  }
  const errors = (s.conditions ?? []).filter((c) => ERROR_CONDITIONS.test(c.type ?? ''))
  const health = s.health?.status ?? 'Unknown'
  const troubled = health === 'Degraded' || errors.length > 0
  if (troubled && troubledForMs >= graceMs) {
    const why = errors.length
      ? errors.map((c) => `${c.type}: ${c.message ?? ''}`).join('; ')
      : `health Degraded${s.health?.message ? `: ${s.health.message}` : ''}`
    return { state: 'failed', message: why }
  }
  const sync = s.sync?.status ?? 'Unknown'
  const revision = s.sync?.revision ?? s.sync?.revisions?.[0]
  if (expectedRevision && revision && !sameRevision(revision, expectedRevision)) {
    return {
      state: 'waiting',
      message: `at revision ${revision.slice(0, 12)}, waiting for ${expectedRevision.slice(0, 12)}`,
      troubled
    }
  }
  if (op && (op.phase === 'Running' || op.phase === 'Terminating')) {
    return { state: 'waiting', message: `sync operation ${op.phase.toLowerCase()}`, troubled }
  }
  if (sync !== 'Synced' || health !== 'Healthy') {
    const pending = unhealthyResources(app)
      .slice(0, 3)
      .map((r) => `${r.resource} ${r.health || r.sync}`)
      .join(', ')
    return {
      state: 'waiting',
      message: `${sync}/${health}${pending ? ` (${pending})` : ''}`,
      troubled
    }
  }
  return { state: 'ready', revision }
}
