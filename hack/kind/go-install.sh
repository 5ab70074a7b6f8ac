#!/usr/bin/env bash
# go-install.sh NAME PACKAGE VERSION [LDFLAGS]: `go install PACKAGE@VERSION` for a module without
# replace directives, cached by version outside the clone as $cache/NAME-VERSION/NAME. Prints
# the binary's path; a warm call only checks that it is there.
set -euo pipefail
name=${1:?usage: go-install.sh NAME PACKAGE VERSION [LDFLAGS]} pkg=${2:?} version=${3:?} ldflags=${4:-}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
bin=$cache/$name-$version/$name
if [ ! -x "$bin" ]; then
  mkdir -p "$cache/$name-$version/gobin"
  started=$SECONDS
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=$cache/$name-$version/gobin \
    nice -n 10 go install -ldflags "-s -w $ldflags" "$pkg@$version"
  mv "$cache/$name-$version/gobin/$(basename "${pkg%/v[0-9]*}")" "$bin"
  rmdir "$cache/$name-$version/gobin"
  echo "go-install.sh: $name $version built in $((SECONDS - started))s" >&2
fi
echo "$bin"
