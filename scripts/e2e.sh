#!/usr/bin/env bash
# The main job on our own machines (npm run e2e): a real local Kubernetes (hack/local-cluster),
# then the bundled action, run as GitHub runs it, against example/ — once passing and once with
# EXAMPLE_FAIL=1 — with assertions on its outputs, annotations and summary. Prints phase times.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
phase() { printf '\n=== e2e: %s (t=%ss)\n' "$*" "$((SECONDS - started))"; }

phase "local cluster"
kubeconfig=$(bash hack/local-cluster/up.sh | tail -1)
# The kubectl built with the cluster renders kustomize directories for the action.
export PATH="$(bash hack/local-cluster/build.sh | tail -1):$PATH"
phase "a fresh example namespace"
kctl() { kubectl --kubeconfig "$kubeconfig" "$@"; }
# The Application of an earlier run first: with self-heal on it would recreate what we delete.
if kctl get crd applications.argoproj.io >/dev/null 2>&1; then
  kctl -n argocd delete application in-cluster-test-example --ignore-not-found --wait=true --timeout=60s >/dev/null
fi
kctl delete namespace example --ignore-not-found --wait=true --timeout=120s >/dev/null
phase "local base images"
build_arg=$(bash example/hack/local-images.sh | tail -1)
phase "service image"
docker build -q --build-arg "$build_arg" -t example/workflows:e2e example >/dev/null
phase "ArgoCD images (built from the Go module) and the git source"
images=$(bash hack/local-cluster/argocd-images.sh)
mapfile -t argocd_images <<<"$images"
# Issue 16 (prepared, not yet run here): the same bare copy is also served over HTTP behind Basic
# auth (user e2e, a fresh password per run), and the passing case deploys from that private URL
# with app-repo-username/app-repo-password. git-serve.sh's contract with GIT_HTTP=1: the line
# before last is the git:// source, the last line the http:// one (same revision).
export APP_REPO_USERNAME=e2e
APP_REPO_PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export APP_REPO_PASSWORD
source_lines=$(GIT_HTTP=1 GIT_HTTP_USER=$APP_REPO_USERNAME GIT_HTTP_PASSWORD=$APP_REPO_PASSWORD \
  bash hack/local-cluster/git-serve.sh | tail -2)
read -r app_repo app_revision <<<"$(head -1 <<<"$source_lines")"
read -r app_repo_http app_revision_http <<<"$(tail -1 <<<"$source_lines")"
[ "$app_revision_http" = "$app_revision" ] || { echo "e2e: git-serve.sh printed two revisions" >&2; exit 1; }
export APP_REPO_HTTP=$app_repo_http
argocd_version=${argocd_images[0]#local/argocd:}
argocd_version=${argocd_version%%-*}
# The release's core-install.yaml, byte for byte: the module zip holds the tagged tree.
module_dir=$(GOTOOLCHAIN=local go mod download -json "github.com/argoproj/argo-cd/v3@$argocd_version" | python3 -c 'import sys, json; print(json.load(sys.stdin)["Dir"])')
export ARGOCD_MANIFEST=$module_dir/manifests/core-install.yaml
# The helm built with ArgoCD's binaries (the one its image carries), for the helm-path cases.
export HELM_PATH="$(bash hack/local-cluster/build-argocd.sh | tail -1)/helm"
export ARGOCD_IMAGE=${argocd_images[0]} ARGOCD_REDIS_IMAGE=${argocd_images[1]} APP_REPO=$app_repo APP_REVISION=$app_revision
echo "ArgoCD $argocd_version: $ARGOCD_IMAGE, $ARGOCD_REDIS_IMAGE; app source $APP_REPO (and $APP_REPO_HTTP, private) at $APP_REVISION"
if [ "${E2E_ONLY:-}" != kind ]; then
  phase "local registry (for image-load: push)"
  export REGISTRY=$(bash hack/local-cluster/registry.sh | tail -1)
fi
phase "Node 24"
node24=$(bash scripts/node24.sh)
phase "kind: engine, kind and node image (hack/kind/up.sh)"
# Its last lines: KIND=<path>, NODE_IMAGE=<image>, KIND_CONFIG=<path> (and more we do not
# need). When it fails the kind cases fail (e2e.mjs counts them), the rest still runs.
if kind_env=$(bash hack/kind/up.sh); then
  while IFS='=' read -r key value; do
    case $key in KIND | NODE_IMAGE | KIND_CONFIG) export "$key=$value" ;; esac
  done <<<"$kind_env"
  echo "kind: $KIND, node image $NODE_IMAGE, config $KIND_CONFIG"
else
  echo "e2e: hack/kind/up.sh failed: the kind cases cannot run" >&2
fi
# E2E_ONLY=kind: just the kind cases (scripts/e2e-kind.mjs), with an existing-cluster reference.
if [ "${E2E_ONLY:-}" = kind ]; then
  phase "the action with cluster: kind"
  KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/e2e-kind.mjs
  phase "done"
  exit 0
fi
# E2E_ONLY=shards: just the shards-sharing-a-database cases (scripts/e2e-shards.mjs).
if [ "${E2E_ONLY:-}" = shards ]; then
  phase "shards that share a database"
  KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/e2e-shards.mjs
  phase "done"
  exit 0
fi
phase "the action, end to end"
if [ "${E2E_ONLY:-}" != act ]; then
  KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/e2e.mjs
fi
# E2E_ONLY=action: just the action's cases above (while working on them).
if [ "${E2E_ONLY:-}" = action ]; then exit 0; fi
phase "the action through a workflow engine (act)"
KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/e2e-act.mjs
if [ "${E2E_ONLY:-}" = act ]; then exit 0; fi
phase "fault suite"
KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/faults.mjs
phase "CLI bad input"
KUBECONFIG_PATH=$kubeconfig NODE24=$node24 node scripts/cli-faults.mjs
phase "security suite (a hostile test image)"
KUBECONFIG_PATH=$kubeconfig NODE24=$node24 node --import tsx scripts/security.mjs
phase "done"
