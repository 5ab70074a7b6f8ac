#!/usr/bin/env bash
# Builds containerd, ctr and containerd-shim-runc-v2 from containerd's Go module at the version
# kind's base image uses (images/base/Dockerfile: CONTAINERD_VERSION), cached by version outside
# the clone, with the build tags kind's base image uses. Debian 12's containerd 1.6 does not do:
# kind's node-image builder waits for containerd with `ctr info`, which ctr 1.6 does not have.
# Statically linked (CGO off: the tags leave out the snapshotters that need cgo). Prints the folder.
set -euo pipefail
CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.3.1}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
out=$cache/containerd-$CONTAINERD_VERSION
bins=(containerd ctr containerd-shim-runc-v2)
missing=0
for b in "${bins[@]}"; do [ -x "$out/$b" ] || missing=1; done
if [ "$missing" = 1 ]; then
  started=$SECONDS
  mkdir -p "$out/gobin"
  p=github.com/containerd/containerd/v2
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=$out/gobin nice -n 10 go install \
    -tags "no_aufs no_zfs no_btrfs no_devmapper urfave_cli_no_docs osusergo netgo" \
    -ldflags "-s -w -X $p/version.Version=$CONTAINERD_VERSION -X $p/version.Package=$p" \
    "$p/cmd/containerd@$CONTAINERD_VERSION" "$p/cmd/ctr@$CONTAINERD_VERSION" "$p/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION"
  for b in "${bins[@]}"; do mv "$out/gobin/$b" "$out/$b"; done
  rmdir "$out/gobin"
  echo "build-containerd.sh: containerd $CONTAINERD_VERSION built in $((SECONDS - started))s" >&2
fi
echo "$out"
