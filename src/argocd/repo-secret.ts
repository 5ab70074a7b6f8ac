/**
 * ArgoCD's credentials for a private repository: a repository Secret in ArgoCD's namespace, as its
 * declarative setup documents it (label argocd.argoproj.io/secret-type=repository; url, username,
 * password and type in the data). ArgoCD uses it for an Application whose repoURL is its url, so
 * the url is the Application's repoURL as it is. The object holds the password: it is applied and
 * deleted, never logged nor written.
 */
import { createHash } from 'node:crypto'
import type { KubeObject } from '../k8s/types.js'
import { renderSecret } from '../job/render.js'
import { ARGOCD_NAMESPACE } from './manifest.js'

export const REPOSITORY_SECRET_LABEL = 'argocd.argoproj.io/secret-type'

/** One name per repository URL, so a re-run updates the same Secret. */
export function repositorySecretName(url: string): string {
  return `in-cluster-test-repo-${createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 12)}`
}

export function repositorySecret(
  url: string,
  credentials: { username: string; password: string }
): KubeObject {
  return renderSecret(
    repositorySecretName(url),
    ARGOCD_NAMESPACE,
    { type: 'git', url, username: credentials.username, password: credentials.password },
    { [REPOSITORY_SECRET_LABEL]: 'repository' }
  )
}
