// Issue 26: the example service as a Helm chart (example/chart), deployed through ArgoCD (which
// renders it with the helm in our ArgoCD image) and without it (helm template by the action, with
// the helm built from its Go module given as helm-path), each with a value file and an inline
// value whose effect is read back from the Deployment in the cluster; and a chart that does not
// render. Called by scripts/e2e.mjs after its kustomize case, whose counts are the reference.
import { execFileSync, spawnSync } from 'node:child_process'
import * as path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

/** The value file sets the image (example/workflows:e2e, local/postgres:15); the inline value a limit. */
export const VALUE_FILE = 'example/chart/values-local.yaml'
export const INLINE_MEMORY = '192Mi'
const inlineValues = `workflows:\n  resources:\n    limits:\n      memory: ${INLINE_MEMORY}\n`

/** The Deployment's image and memory limit, as the cluster has them. */
function deployed(kubeconfig, namespace) {
  const r = spawnSync(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '-n',
      namespace,
      'get',
      'deployment',
      'workflows',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].resources.limits.memory}'
    ],
    { encoding: 'utf8' }
  )
  const [image, memory] = r.stdout.trim().split(' ')
  return { image, memory, error: r.stderr.trim() }
}

/**
 * @param {object} o
 * @param {(name: string, env: object, deploy: object, hooks?: object) => Promise<any>} o.runCase
 * @param {(name: string, ok: boolean, detail?: string) => void} o.check
 * @param {object} [o.reference] the kustomize case's outputs (counts and coverage to equal)
 * @param {object} [o.argocdInputs] set to run the ArgoCD case
 * @param {string} o.namespace where runCase deploys
 * @param {string} o.helm the helm binary (helm-path)
 * @param {string} o.kubeconfig
 */
export async function helmCases({
  runCase,
  check,
  reference,
  argocdInputs,
  namespace,
  helm,
  kubeconfig
}) {
  const sameAsReference = (name, r) => {
    if (!reference) return
    for (const output of ['tests-passed', 'tests-failed', 'tests-skipped', 'coverage'])
      check(
        `${name}: ${output} equals the kustomize case's`,
        r.outputs[output] === reference.outputs[output],
        `${r.outputs[output]} vs ${reference.outputs[output]}`
      )
  }
  const valuesTookEffect = (name, seen) =>
    check(
      `${name}: the Deployment has the value file's image and the inline memory limit`,
      seen.image === 'example/workflows:e2e' && seen.memory === INLINE_MEMORY,
      JSON.stringify(seen)
    )
  const results = []

  if (argocdInputs) {
    let seen = {}
    let helmSource = ''
    const viaArgocd = await runCase(
      'helm-argocd',
      {},
      {
        ...argocdInputs,
        'app-path': 'example/chart',
        'helm-value-files': VALUE_FILE,
        'helm-values': inlineValues
      },
      {
        // Read before the post step deletes the built-in Application.
        beforePost: () => {
          seen = deployed(kubeconfig, namespace)
          helmSource = execFileSync(
            'kubectl',
            [
              '--kubeconfig',
              kubeconfig,
              '-n',
              'argocd',
              'get',
              'application',
              `in-cluster-test-${namespace}`,
              '-o',
              'jsonpath={.spec.source.helm}'
            ],
            { encoding: 'utf8' }
          )
        }
      }
    )
    check(
      'helm via ArgoCD: status passed',
      viaArgocd.outputs.status === 'passed',
      `${viaArgocd.outputs.status} ${viaArgocd.outputs.diagnosis}`
    )
    let source = {}
    try {
      source = JSON.parse(helmSource || '{}')
    } catch {
      // Not JSON: the check below fails and shows what kubectl printed.
    }
    check(
      "helm via ArgoCD: the Application's spec.source.helm holds the value file (relative to app-path) and the inline values",
      JSON.stringify(source.valueFiles) === '["values-local.yaml"]' &&
        source.valuesObject?.workflows?.resources?.limits?.memory === INLINE_MEMORY,
      helmSource
    )
    valuesTookEffect('helm via ArgoCD', seen)
    sameAsReference('helm via ArgoCD', viaArgocd)
    results.push(['helm-argocd', viaArgocd])
  }

  let seen = {}
  const manifests = await runCase(
    'helm-manifests',
    {},
    {
      manifests: 'example/chart',
      'helm-value-files': VALUE_FILE,
      'helm-values': inlineValues,
      'helm-path': helm
    },
    { beforePost: () => void (seen = deployed(kubeconfig, namespace)) }
  )
  check(
    'helm manifests: status passed',
    manifests.outputs.status === 'passed',
    `${manifests.outputs.status} ${manifests.outputs.diagnosis}`
  )
  check(
    'helm manifests: rendered by helm template with helm-path, no ArgoCD',
    manifests.main.stdout.includes(`Rendering charts with ${helm} (helm-path)`) &&
      /\| deploy \|/.test(manifests.summary) &&
      !/\| deploy \(argocd\) \|/.test(manifests.summary),
    manifests.main.stdout
      .match(/.*(helm|Rendering).*/g)
      ?.slice(0, 3)
      .join(' | ')
  )
  valuesTookEffect('helm manifests', seen)
  sameAsReference('helm manifests', manifests)
  results.push(['helm-manifests', manifests])

  // A chart that does not render: the example chart with its image tag emptied (its templates
  // require one). In a namespace of its own that must still not exist afterwards.
  const brokenNamespace = `${namespace}-helm-broken`
  const broken = '{workflows: {image: {tag: ""}}}'
  const direct = spawnSync(
    helm,
    ['template', 'x', 'example/chart', '--values', VALUE_FILE, '--values', '-'],
    { encoding: 'utf8', input: broken, cwd: root }
  )
  const helmsMessage = direct.stderr.split('\n')[0]
  const notRendered = await runCase(
    'helm-broken',
    {},
    {
      namespace: brokenNamespace,
      manifests: 'example/chart',
      'helm-value-files': VALUE_FILE,
      'helm-values': broken,
      'helm-path': helm
    }
  )
  const ns = spawnSync(
    'kubectl',
    ['--kubeconfig', kubeconfig, 'get', 'namespace', brokenNamespace],
    {
      encoding: 'utf8'
    }
  )
  check(
    "helm: a chart that does not render is an error naming helm's message, nothing applied",
    direct.status !== 0 &&
      /^Error: /.test(helmsMessage) &&
      notRendered.outputs.status === 'error' &&
      notRendered.main.code !== 0 &&
      (notRendered.outputs.diagnosis ?? '').includes(helmsMessage) &&
      /NotFound/.test(ns.stderr),
    `helm: ${helmsMessage}; status ${notRendered.outputs.status}, diagnosis ${notRendered.outputs.diagnosis}; namespace: ${ns.stdout}${ns.stderr}`
  )
  return results
}

// Alone (node scripts/e2e-helm.mjs, with the environment scripts/e2e.sh exports): the cases
// without ArgoCD in a namespace of their own (HELM_E2E_NAMESPACE, default helm-e2e), which needs
// no machine-wide lock; the namespaces are deleted at the end. No reference counts here.
if (import.meta.url === `file://${process.argv[1]}`) {
  const fs = await import('node:fs')
  const { exampleEnv, exampleInputs } = await import('./lib/example-inputs.mjs')
  const { runAction } = await import('./lib/run-action.mjs')
  const namespace = process.env.HELM_E2E_NAMESPACE || 'helm-e2e'
  const work = path.join(root, '.e2e', 'helm-alone')
  fs.rmSync(work, { recursive: true, force: true })
  const secret = `e2e-jwt-${Date.now()}-not-a-real-secret`
  let failed = 0
  const check = (name, ok, detail = '') => {
    if (!ok) failed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`)
  }
  const runCase = async (name, env, deploy, hooks = {}) => {
    const ns = deploy.namespace ?? namespace
    const r = await runAction({
      node: process.env.NODE24,
      root,
      workspace: root,
      workDir: path.join(work, name),
      inputs: {
        ...exampleInputs(secret, ns),
        'load-images': 'example/workflows:e2e\nlocal/postgres:15',
        'deploy-timeout': '4m',
        'memory-limit': '512Mi',
        'test-args': '-test.v -test.coverprofile=/dev/stdout',
        timeout: '5m',
        ...deploy,
        env: exampleEnv('EXAMPLE_FAIL: "0"', ns)
      },
      ...hooks
    })
    console.log(
      `--- case ${name}: main exit ${r.main.code}, post exit ${r.post.code}; outputs: ${JSON.stringify(r.outputs)}`
    )
    return r
  }
  const kubeconfig = process.env.KUBECONFIG_PATH
  try {
    await helmCases({ runCase, check, namespace, helm: process.env.HELM_PATH, kubeconfig })
  } finally {
    for (const ns of [namespace, `${namespace}-helm-broken`])
      spawnSync('kubectl', [
        '--kubeconfig',
        kubeconfig,
        'delete',
        'namespace',
        ns,
        '--ignore-not-found',
        '--wait=false'
      ])
  }
  if (failed > 0) process.exit(1)
}
