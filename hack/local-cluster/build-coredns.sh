#!/usr/bin/env bash
# Builds CoreDNS from its Go module (it has no replace directives, so `go install` works), cached
# by version outside the clone. Prints the binary's path.
set -euo pipefail
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.7}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
bin=$cache/coredns-$COREDNS_VERSION/coredns
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  started=$SECONDS
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=$(dirname "$bin") \
    go install -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  echo "build-coredns.sh: built in $((SECONDS - started))s" >&2
fi
echo "$bin"
