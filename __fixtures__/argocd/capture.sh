#!/usr/bin/env bash
# Captures real ArgoCD Application objects, as the action reads them, from the local cluster with
# ArgoCD installed (npm run e2e installs it). Usage, from the repository root:
#   KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig bash __fixtures__/argocd/capture.sh
# Deploys example/deploy-broken (an image on no node, progress deadline 15s) from the git daemon
# of hack/local-cluster/git-serve.sh and saves the Application as it goes Progressing, then
# Degraded (with its Deployment at both points); the healthy example app (in-cluster-test-example, left by the e2e run) is saved too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
read -r url rev < <(bash hack/local-cluster/git-serve.sh | tail -1)
app=fixture-broken
save() { kubectl -n "${3:-argocd}" get "${4:-application}" "$1" -o json | python3 -c '
import json, sys
o = json.load(sys.stdin)
m = o["metadata"]
for k in ("managedFields", "uid", "resourceVersion", "creationTimestamp", "generation"):
    m.pop(k, None)
m.get("annotations", {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
json.dump(o, sys.stdout, indent=2)
print()' >"$here/$2.json"; echo "saved $2.json" >&2; }
health() { kubectl -n argocd get application "$app" -o jsonpath='{.status.sync.status}/{.status.health.status}' 2>/dev/null || true; }

kubectl -n argocd get application in-cluster-test-example >/dev/null && save in-cluster-test-example app-synced-healthy
kubectl delete namespace example-broken --ignore-not-found --wait=true >/dev/null
kubectl -n argocd delete application "$app" --ignore-not-found --wait=true >/dev/null
cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: $app, namespace: argocd}
spec:
  project: default
  source: {repoURL: '$url', path: example/deploy-broken, targetRevision: '$rev'}
  destination: {server: 'https://kubernetes.default.svc', namespace: example-broken}
  syncPolicy: {automated: {prune: true}, syncOptions: [CreateNamespace=true]}
YAML
for _ in $(seq 120); do [ "$(health)" = Synced/Progressing ] && break; sleep 0.5; done
save "$app" app-progressing
save workflows deployment-progressing example-broken deployment
for _ in $(seq 120); do [ "$(health)" = Synced/Degraded ] && break; sleep 0.5; done
save "$app" app-degraded
save workflows deployment-degraded example-broken deployment
kubectl -n argocd delete application "$app" --wait=true >/dev/null
kubectl delete namespace example-broken --ignore-not-found --wait=false >/dev/null
