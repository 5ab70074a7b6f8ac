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
"$(bash hack/local-cluster/build.sh | tail -1)/kubectl" --kubeconfig "$kubeconfig" delete namespace example --ignore-not-found --wait=true --timeout=120s >/dev/null
phase "local base images"
build_arg=$(bash example/hack/local-images.sh | tail -1)
phase "service image"
docker build -q --build-arg "$build_arg" -t example/workflows:e2e example >/dev/null
phase "Node 24"
node24=$(bash scripts/node24.sh)
phase "the action, end to end"
KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/e2e.mjs
phase "fault suite"
KUBECONFIG_PATH=$kubeconfig GO_BUILD_ARG=$build_arg NODE24=$node24 node scripts/faults.mjs
phase "CLI bad input"
KUBECONFIG_PATH=$kubeconfig NODE24=$node24 node scripts/cli-faults.mjs
phase "done"
