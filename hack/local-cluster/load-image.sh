#!/usr/bin/env bash
# Loads an image into the local cluster's containerd (namespace k8s.io), where the kubelet finds
# it. Two forms, the action's image-load command for this cluster being one of:
#   bash hack/local-cluster/load-image.sh {image}             a Docker image: docker save | ctr import
#   bash hack/local-cluster/load-image.sh {archive} {image}   an image archive (go-package): no Docker;
#                                                             {archive} is empty for a Docker image
# Like `kind load`, it skips an image the node already has. A Docker image: a marker per reference
# records the Docker image ID last imported, and the reference must still be in containerd. An
# archive: its tag is content-addressed (the action's images are), so the reference being in
# containerd is enough. FORCE=1 imports.
set -euo pipefail
# CONTAINERD_ADDRESS: another containerd (a test instance); the cluster's by default.
ctr() { command ctr --address "${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}" -n k8s.io "$@"; }
# containerd names Docker Hub references in full.
full_name() {
  case "$1" in
    */*/*) echo "$1" ;;
    */*) if [[ "${1%%/*}" == *.* || "${1%%/*}" == *:* || "${1%%/*}" == localhost ]]; then echo "$1"; else echo "docker.io/$1"; fi ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

# The whole list is read: with pipefail, `grep -q` leaving at the first match made ctr die of
# SIGPIPE now and then, and an image it has was imported again (22 s for postgres in a bench run).
in_containerd() { ctr images ls -q | grep -xF "$1" >/dev/null; }

# An empty ARCHIVE is a Docker image: the action passes {archive} empty on its Dockerfile path.
if [ "$#" -ge 2 ] && [ -z "$1" ]; then shift; fi
if [[ "${1:-}" == *.tar && ! -f "$1" ]]; then
  echo "load-image.sh: no image archive at $1 (was it written in another container or deleted?)" >&2
  exit 1
fi
if [ -f "${1:-}" ]; then
  archive=$1 image=${2:-}
  if [ -n "$image" ] && [ "${FORCE:-}" != 1 ] && in_containerd "$(full_name "$image")"; then
    echo "$image is already in containerd (k8s.io)"
    exit 0
  fi
  ctr images import "$archive" >/dev/null
  echo "loaded ${image:-$archive} into containerd (k8s.io)"
  exit 0
fi

image=${1:?usage: load-image.sh IMAGE | load-image.sh ARCHIVE [IMAGE]}
marks=/var/lib/in-cluster-test/imported
mkdir -p "$marks"
id=$(docker image inspect -f '{{.Id}}' "$image")
mark=$marks/$(printf '%s' "$image" | tr '/:@' '___')
ref=$(full_name "$image")
if [ "${FORCE:-}" != 1 ] && [ "$(cat "$mark" 2>/dev/null)" = "$id" ] && in_containerd "$ref"; then
  echo "$image is already in containerd (k8s.io)"
  exit 0
fi
docker save "$image" | ctr images import - >/dev/null
echo "$id" >"$mark"
echo "loaded $image into containerd (k8s.io)"
