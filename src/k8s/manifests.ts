/**
 * Turns the `manifests` input (files, folders, kustomize directories, Helm charts) into objects.
 * Kustomize is rendered by `kubectl kustomize` and a chart by `helm template`, so overlays and
 * charts behave exactly as they do for the user by hand.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import type { Exec } from '../ports.js'
import type { KubeObject } from './types.js'
import { lastLines } from '../text.js'

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
const CHART = 'Chart.yaml'

/** How a chart among the paths is rendered. */
export interface ChartRendering {
  /** The helm to run; called (and so installed) only when a path is a chart. */
  helm(): Promise<string>
  release: string
  namespace: string
  /** Value files in the order given (later ones win). */
  valueFiles: string[]
  /** Inline values, over the files (given on stdin, so they never touch the disk). */
  values?: Record<string, unknown>
}

/** A chart the user's helm would not render: helm's own message, nothing applied. */
export class ChartRenderError extends Error {
  constructor(
    readonly chart: string,
    readonly helmMessage: string
  ) {
    super(`helm template ${chart} failed: ${helmMessage}`)
    this.name = 'ChartRenderError'
  }
}

/**
 * `helm template`'s arguments: CRDs included (applied first, as ArgoCD does), the chart's test
 * hooks left out (they are not part of the deploy), inline values last so they win.
 */
export function helmTemplateArgs(
  chart: string,
  r: Pick<ChartRendering, 'release' | 'namespace' | 'valueFiles'> & { inlineValues: boolean }
): string[] {
  return [
    'template',
    r.release,
    chart,
    '--namespace',
    r.namespace,
    '--include-crds',
    '--skip-tests',
    ...r.valueFiles.flatMap((f) => ['--values', f]),
    ...(r.inlineValues ? ['--values', '-'] : [])
  ]
}

/** helm's error without its advice to rerun with --debug. */
export function helmMessage(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Use --debug flag/.test(l))
  return lines.slice(-5).join(' | ') || '(no output)'
}

async function renderChart(chart: string, r: ChartRendering, exec: Exec): Promise<KubeObject[]> {
  const args = helmTemplateArgs(chart, { ...r, inlineValues: r.values !== undefined })
  const result = await exec.run(await r.helm(), args, {
    silent: true,
    input: r.values !== undefined ? stringify(r.values) : undefined
  })
  if (result.exitCode !== 0) throw new ChartRenderError(chart, helmMessage(result.stderr))
  return parseManifests(result.stdout, chart)
}

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

/**
 * Reads every path of the input; `kubectl` is only needed for kustomize directories, `charts`
 * for Helm charts. Everything is read before anything is applied, so a chart that does not render
 * leaves the cluster untouched.
 */
export async function loadManifests(
  paths: string[],
  kubectl: string,
  exec: Exec,
  charts?: ChartRendering
): Promise<KubeObject[]> {
  const out: KubeObject[] = []
  for (const p of paths) {
    const stat = fs.statSync(p)
    if (stat.isDirectory() && fs.existsSync(path.join(p, CHART))) {
      if (!charts) throw new Error(`${p} is a Helm chart, and no helm was given to render it`)
      out.push(...(await renderChart(p, charts, exec)))
    } else if (stat.isDirectory() && KUSTOMIZATION.some((k) => fs.existsSync(path.join(p, k)))) {
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
