/**
 * Turns the `manifests` input (files, folders, kustomize directories) into objects. Kustomize is
 * rendered by `kubectl kustomize`, so overlays behave exactly as they do for the user by hand.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { Exec } from '../ports.js'
import type { KubeObject } from './types.js'
import { lastLines } from '../text.js'

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']

/** Kinds that live outside namespaces; every other object without a namespace gets the default. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService'
])

/** Parses multi-document YAML (and `kind: List`) into objects; names the source on bad YAML. */
export function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`${source} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`)
    }
    const value = doc.toJS() as unknown
    if (value === null || value === undefined) continue
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${source} contains a document that is not a Kubernetes object`)
    }
    const obj = value as KubeObject & { items?: KubeObject[] }
    if (obj.kind === 'List' && Array.isArray(obj.items)) out.push(...obj.items)
    else out.push(obj)
  }
  for (const obj of out) {
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      throw new Error(`${source} has an object without apiVersion, kind or metadata.name`)
    }
  }
  return out
}

export function withDefaultNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((o) =>
    CLUSTER_SCOPED.has(o.kind ?? '') || o.metadata?.namespace
      ? o
      : { ...o, metadata: { ...o.metadata, namespace } }
  )
}

/** Reads every path of the input; `kubectl` is only needed for kustomize directories. */
export async function loadManifests(
  paths: string[],
  kubectl: string,
  exec: Exec
): Promise<KubeObject[]> {
  const out: KubeObject[] = []
  for (const p of paths) {
    const stat = fs.statSync(p)
    if (stat.isDirectory() && KUSTOMIZATION.some((k) => fs.existsSync(path.join(p, k)))) {
      const r = await exec.run(kubectl, ['kustomize', p], { silent: true })
      if (r.exitCode !== 0) throw new Error(`kubectl kustomize ${p} failed: ${lastLines(r.stderr)}`)
      out.push(...parseManifests(r.stdout, p))
    } else if (stat.isDirectory()) {
      const files = fs
        .readdirSync(p)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
      for (const f of files)
        out.push(...parseManifests(fs.readFileSync(path.join(p, f), 'utf8'), path.join(p, f)))
    } else {
      out.push(...parseManifests(fs.readFileSync(p, 'utf8'), p))
    }
  }
  return out
}
