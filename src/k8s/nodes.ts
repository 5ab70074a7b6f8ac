/** What the action asks of the cluster's nodes. */
import type { Kube } from './kube.js'
import type { NodeLike } from './types.js'

/**
 * The CPU architecture of the cluster's nodes as Go names it (amd64, arm64): what an image
 * archive must hold to run there. The first node's, since a kind cluster's nodes are all alike;
 * undefined when the nodes cannot be listed (no permission), so the caller falls back.
 */
export async function nodeArchitecture(kube: Pick<Kube, 'list'>): Promise<string | undefined> {
  try {
    const nodes = await kube.list<NodeLike>('v1', 'Node')
    return nodes.find((n) => n.status?.nodeInfo?.architecture)?.status?.nodeInfo?.architecture
  } catch {
    return undefined
  }
}
