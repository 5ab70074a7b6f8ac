#!/usr/bin/env bash
# Builds the Kubernetes server binaries (and kubectl) from the k8s.io/kubernetes Go module, for
# machines where no release binary can be downloaded. k8s.io/kubernetes cannot be `go install`ed
# (its go.mod points the staging modules at ./staging), so we generate a wrapper module that
# replaces each staging module by its published v0.X.Y release, read from the real go.mod.
# Output is cached outside the clone by version: a warm run takes a second. (The module proxy
# here serves v1.32.9 with every staging module it builds from; .10 to .13 each miss one.)
# Usage: build.sh [--cached] [COMPONENT...]; the components default to the local cluster's six
# (hack/kind/node-image.sh also asks for kubeadm).
set -euo pipefail
K8S_VERSION=${K8S_VERSION:-v1.32.9}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
out=$cache/k8s-$K8S_VERSION/bin
cached_only=""
if [ "${1:-}" = --cached ]; then
  cached_only=1
  shift
fi
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

missing=()
for c in "${components[@]}"; do [ -x "$out/$c" ] || missing+=("$c"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$out"
  exit 0
fi
# --cached: only say where a finished build is (up.sh's health check), never start one.
[ -n "$cached_only" ] && exit 1

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
work=$cache/k8s-$K8S_VERSION/wrapper
mkdir -p "$work" "$out"
started=$SECONDS
gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import sys, json; print(json.load(sys.stdin)["GoMod"])')
staging_version="v0.${K8S_VERSION#v1.}"
{
  echo "module local/kube-build"
  echo
  grep -E '^go [0-9]' "$gomod"
  grep -E '^godebug ' "$gomod" || true
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" | awk -v v="$staging_version" '{printf "\t%s => %s %s\n", $1, $1, v}'
  echo ")"
} >"$work/go.mod"
{
  printf '//go:build tools\n\npackage tools\n\nimport (\n'
  for c in "${components[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
  printf ')\n'
} >"$work/tools.go"
cd "$work"
go mod tidy
echo "build.sh: modules resolved in $((SECONDS - started))s" >&2
minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
for c in "${missing[@]}"; do
  t=$SECONDS
  go build -tags selinux,notest -ldflags "$ldflags" -o "$out/$c.tmp" "k8s.io/kubernetes/cmd/$c"
  mv "$out/$c.tmp" "$out/$c"
  echo "build.sh: $c built in $((SECONDS - t))s" >&2
done
echo "build.sh: all built in $((SECONDS - started))s" >&2
echo "$out"
