/**
 * What the main step hands to the post step. GitHub keeps it as action state (core.saveState);
 * the CLI keeps it in memory and runs the cleanup itself when the pipeline ends.
 */

export interface StateStore {
  save(key: string, value: string): void
  get(key: string): string
}

export interface CleanupState {
  kindPath?: string
  clusterName?: string
  /** Only a cluster this run created is ever deleted. */
  clusterCreated: boolean
  keepCluster: boolean
  exportLogsDir?: string
}

const KEY = 'in-cluster-test-cleanup'

export function saveCleanupState(store: StateStore, state: CleanupState): void {
  store.save(KEY, JSON.stringify(state))
}

export function loadCleanupState(store: StateStore): CleanupState | undefined {
  const raw = store.get(KEY)
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as CleanupState
  } catch {
    return undefined
  }
}

export function memoryStateStore(): StateStore {
  const values = new Map<string, string>()
  return { save: (k, v) => void values.set(k, v), get: (k) => values.get(k) ?? '' }
}
