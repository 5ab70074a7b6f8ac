#!/usr/bin/env bash
# Builds Argo CD (one binary; the components pick their role from argv[0]) and the kustomize and
# helm binaries its repo-server shells out to, from their Go modules, cached by version outside the clone.
# argo-cd's go.mod replaces every k8s staging module and a few others; replaces in a dependency are
# ignored, so a wrapper module copies them (v3.0 to v3.2 have no local-path replace; v3.3+ do).
# v3.2.12 does not compile from its module (controller/cache/info.go calls settings.ValidateExternalURL,
# which the module does not define), hence v3.2.11.
# Prints the folder holding `argocd`, `kustomize` and `helm`.
set -euo pipefail
ARGOCD_VERSION=${ARGOCD_VERSION:-v3.2.11}
# The kustomize minor argo-cd v3.2 ships with (hack/tool-versions.sh says 5.7.0; the proxy has 5.7.1).
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.7.1}
# The helm argo-cd v3.2 ships with (its hack/tool-versions.sh: helm3_version=3.18.4).
HELM_VERSION=${HELM_VERSION:-v3.18.4}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
out=$cache/argocd-$ARGOCD_VERSION
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
mkdir -p "$out"
started=$SECONDS

if [ ! -x "$out/kustomize" ]; then
  t=$SECONDS
  GOBIN=$out/gobin go install -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  mv "$out/gobin/kustomize" "$out/kustomize"
  rmdir "$out/gobin"
  echo "build-argocd.sh: kustomize built in $((SECONDS - t))s" >&2
fi

# Named by version: a different HELM_VERSION is a different file, so the image stamp changes with it.
if [ ! -x "$out/helm-$HELM_VERSION" ]; then
  t=$SECONDS
  # helm's Makefile sets these; `helm version` then reports the release instead of "main".
  v=helm.sh/helm/v3/internal/version
  GOBIN=$out/gobin-helm go install -ldflags "-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$out/gobin-helm/helm" "$out/helm-$HELM_VERSION"
  rmdir "$out/gobin-helm"
  echo "build-argocd.sh: helm built in $((SECONDS - t))s" >&2
fi
ln -sfn "helm-$HELM_VERSION" "$out/helm"

if [ ! -x "$out/argocd" ]; then
  work=$out/wrapper
  mkdir -p "$work"
  gomod=$(go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION" | python3 -c 'import sys, json; print(json.load(sys.stdin)["GoMod"])')
  if grep -qE '=> \./' "$gomod"; then
    echo "build-argocd.sh: $ARGOCD_VERSION has a local-path replace a wrapper cannot reproduce" >&2
    exit 1
  fi
  {
    echo "module local/argocd-build"
    echo
    grep -E '^go [0-9]' "$gomod"
    echo
    echo "require github.com/argoproj/argo-cd/v3 $ARGOCD_VERSION"
    echo
    sed -n '/^replace (/,/^)/p' "$gomod"
  } >"$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/argoproj/argo-cd/v3/cmd"\n' >"$work/tools.go"
  cd "$work"
  go mod tidy
  echo "build-argocd.sh: modules resolved in $((SECONDS - started))s" >&2
  t=$SECONDS
  p=github.com/argoproj/argo-cd/v3/common
  go build -ldflags "-s -w -X $p.version=${ARGOCD_VERSION#v} -X $p.gitTag=$ARGOCD_VERSION -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z" \
    -o "$out/argocd.tmp" github.com/argoproj/argo-cd/v3/cmd
  mv "$out/argocd.tmp" "$out/argocd"
  echo "build-argocd.sh: argocd built in $((SECONDS - t))s" >&2
fi
echo "build-argocd.sh: done in $((SECONDS - started))s" >&2
echo "$out"
