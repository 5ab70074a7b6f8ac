#!/usr/bin/env bash
# Builds etcd (the server binary) from its Go module, cached by version outside the clone. Its
# go.mod replaces the sibling modules by relative paths (../api, ../client/v3, …), which
# `go install` refuses; a wrapper module that requires the server builds it, the siblings then
# coming at the published versions the server's go.mod requires. Prints the binary's path.
set -euo pipefail
ETCD_VERSION=${ETCD_VERSION:-v3.5.16}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
out=$cache/etcd-$ETCD_VERSION
bin=$out/etcd
if [ ! -x "$bin" ]; then
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
  started=$SECONDS
  work=$out/wrapper
  mkdir -p "$work"
  gomod=$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | python3 -c 'import sys, json; print(json.load(sys.stdin)["GoMod"])')
  {
    echo "module local/etcd-build"
    echo
    grep -E '^go [0-9]' "$gomod"
    echo
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  } >"$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$work/tools.go"
  cd "$work"
  go mod tidy
  nice -n 10 go build -ldflags "-s -w" -o "$bin.tmp" go.etcd.io/etcd/server/v3
  mv "$bin.tmp" "$bin"
  echo "build-etcd.sh: etcd $ETCD_VERSION built in $((SECONDS - started))s" >&2
fi
echo "$bin"
