/** The namespace's recent Warning events, one line each, for a diagnosis's details. */
import type { Kube } from './kube.js'

export async function warningEvents(
  kube: Pick<Kube, 'listEvents'>,
  namespace: string
): Promise<string[]> {
  try {
    return (await kube.listEvents(namespace))
      .filter((e) => e.type === 'Warning')
      .slice(-10)
      .map(
        (e) =>
          `Event ${e.reason ?? ''} on ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`
      )
  } catch {
    return []
  }
}
