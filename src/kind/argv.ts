/** Pure argv builders for the kind CLI, so the exact commands are testable without running kind. */

export interface CreateOptions {
  name: string
  configPath: string
  kubeconfigPath: string
  nodeImage?: string
  waitSeconds: number
}

export function createClusterArgs(o: CreateOptions): string[] {
  const args = ['create', 'cluster', '--name', o.name, '--config', o.configPath]
  args.push('--kubeconfig', o.kubeconfigPath)
  if (o.nodeImage) args.push('--image', o.nodeImage)
  args.push('--wait', `${o.waitSeconds}s`)
  return args
}

export function getClustersArgs(): string[] {
  return ['get', 'clusters']
}

export function kubeconfigArgs(name: string): string[] {
  return ['get', 'kubeconfig', '--name', name]
}

export function deleteClusterArgs(name: string): string[] {
  return ['delete', 'cluster', '--name', name]
}

export function exportLogsArgs(name: string, dir: string): string[] {
  return ['export', 'logs', dir, '--name', name]
}

/** One image, or several in one save and one import per node (shared layers saved once). */
export function loadDockerImageArgs(name: string, image: string | string[]): string[] {
  return ['load', 'docker-image', ...(Array.isArray(image) ? image : [image]), '--name', name]
}

export function loadImageArchiveArgs(name: string, archive: string): string[] {
  return ['load', 'image-archive', archive, '--name', name]
}
