// kubectl for the suites in scripts/: one kubeconfig, and the objects the action labels as its own.
import { execFileSync, spawnSync } from 'node:child_process'
import * as path from 'node:path'

/** The label of everything the action creates in a namespace (test Jobs, their pods, Secrets). */
export const MANAGED_BY = 'app.kubernetes.io/managed-by=in-cluster-test'

/** kubectl with `--kubeconfig`; throws on a non-zero exit unless `check` is false. */
export function kubectlFor(bin, kubeconfig) {
  return (args, { check = true } = {}) => {
    const r = spawnSync(bin, ['--kubeconfig', kubeconfig, ...args], {
      encoding: 'utf8',
      timeout: 300_000
    })
    if (check && r.status !== 0)
      throw new Error(`kubectl ${args.join(' ')}: exit ${r.status}: ${r.stderr}`)
    return r
  }
}

/** `kubectl get <kind> -l <MANAGED_BY> [flags] -o <output>` in `ns`: its output, trimmed. */
export function getManaged(kubectl, ns, kind, output, { flags = [], check = true } = {}) {
  return kubectl(['-n', ns, 'get', kind, '-l', MANAGED_BY, ...flags, '-o', output], {
    check
  }).stdout.trim()
}

/**
 * The local cluster's kubeconfig (KUBECONFIG_PATH, set by npm run e2e) and the kubectl built
 * with it (KUBECTL overrides), for the suites that act on the cluster themselves.
 */
export function localCluster(root) {
  const kubeconfig = process.env.KUBECONFIG_PATH
  if (!kubeconfig) throw new Error('KUBECONFIG_PATH is not set (npm run e2e sets it)')
  const kubectlBin =
    process.env.KUBECTL ??
    path.join(
      execFileSync('bash', ['hack/local-cluster/build.sh'], { cwd: root, encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop(),
      'kubectl'
    )
  return { kubeconfig, kubectlBin, kubectl: kubectlFor(kubectlBin, kubeconfig) }
}
