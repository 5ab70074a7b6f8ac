#!/usr/bin/env bash
# check-node-image.sh IMAGE: fails unless the node image's containerd holds every image the node
# needs, each listed as "has" or "MISSING". kind's builder can come out with an image that lacks
# some (a pull it could not make), and `kind create cluster` would then fail much later. The
# wanted list is read from the image itself: what `kubeadm config images list` names for its
# Kubernetes version (/kind/version), the sandbox image of its containerd configuration, and every
# image in kind's CNI and storage manifests (/kind/manifests). What it holds is listed by its own
# containerd, started in a throwaway container from it, as kind's builder does.
set -euo pipefail
image=${1:?usage: check-node-image.sh IMAGE}
docker run --rm --security-opt seccomp=unconfined --entrypoint /bin/bash "$image" -c '
  set -euo pipefail
  containerd >/tmp/containerd.log 2>&1 &
  for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.2; done
  have=$(ctr --namespace=k8s.io images list -q)
  want=$(
    kubeadm config images list --kubernetes-version "$(cat /kind/version)" 2>/dev/null | grep -v /pause:
    sed -n "s/^\s*sandbox_image\s*=\s*\"\(.*\)\"/\1/p" /etc/containerd/config.toml
    sed -n "s/^\s*-\?\s*image:\s*//p" /kind/manifests/*.yaml
  )
  [ -n "$want" ] || { echo "found no image names in the node image" >&2; exit 1; }
  missing=0
  for w in $(sort -u <<<"$want"); do
    if grep -qxF "$w" <<<"$have"; then echo "  has $w"; else echo "  MISSING $w"; missing=1; fi
  done
  exit $missing
' 2> >(grep -v "cgroup v1 is deprecated" >&2)
