#!/usr/bin/env bash
# Makes real kind work on this machine, in one command: the engine's default runtime (runc
# without CAP_SYS_RESOURCE, through hack/docker-up.sh), kind built from its Go module at the
# version action.yml pins, and a node image built here (node-image.sh). Everything is cached
# outside the clone: a warm run takes seconds. Creates no cluster.
#
# Its last lines, for scripts (one KEY=value a line):
#   KIND=<kind binary>  KUBECTL=<kubectl of the node's Kubernetes version>  NODE_IMAGE=<image>
#   KIND_CONFIG=<kind config with this machine's settings, one node>
#   KIND_CONFIG_MULTI_NODE=<the same, one control plane and two workers>
# e.g.  eval "$(bash hack/kind/up.sh | grep -E '^[A-Z_]+=')"
#       "$KIND" create cluster --name x --image "$NODE_IMAGE" --config "$KIND_CONFIG"
#
# The engine is shared: if its configuration has to change, docker-up.sh reloads it (SIGHUP, which
# running containers do not notice) and restarts it only if that did not take; run it under
# `flock /tmp/e2e.lock` where others may be using the engine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# The version the action installs by default: the same kind drives the e2e's clusters.
KIND_VERSION=${KIND_VERSION:-$(awk '/^  kind-version:/ {f = 1} f && /default:/ {print $2; exit}' "$here/../../action.yml")}
export KIND_VERSION
started=$SECONDS
phase() { printf 'kind/up.sh: [%4ss] %s\n' "$((SECONDS - started))" "$*" >&2; }

phase "engine (hack/docker-up.sh)"
bash "$here/../docker-up.sh" >&2
if (((0x$(awk '/^CapBnd:/ {print $2}' /proc/self/status) >> 24 & 1) == 0)); then
  runtime=$(docker info --format '{{.DefaultRuntime}}')
  if [ "$runtime" != runc-drop-sys-resource ]; then
    echo "kind/up.sh: the engine's default runtime is $runtime, not runc-drop-sys-resource: kind's privileged nodes cannot start (see hack/kind/README.md)" >&2
    exit 1
  fi
fi

phase "kind $KIND_VERSION (Go module, cached by version)"
kind=$(bash "$here/go-install.sh" kind sigs.k8s.io/kind "$KIND_VERSION" | tail -1)
"$kind" version >&2

phase "node image (cached by its inputs)"
node_image=$(bash "$here/node-image.sh" | tail -1)
kubectl=$(bash "$here/../local-cluster/build.sh" --cached kubectl | tail -1)/kubectl

phase "ready"
echo "KIND=$kind"
echo "KUBECTL=$kubectl"
echo "NODE_IMAGE=$node_image"
echo "KIND_CONFIG=$here/kind.yaml"
echo "KIND_CONFIG_MULTI_NODE=$here/kind-multi-node.yaml"
