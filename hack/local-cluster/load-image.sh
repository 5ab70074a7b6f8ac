#!/usr/bin/env bash
# Loads a Docker image into the local cluster's containerd (namespace k8s.io), where the kubelet
# finds it: the action's image-load command for this cluster is
#   bash hack/local-cluster/load-image.sh {image}
# Like `kind load`, it skips an image the node already has: a marker per reference records the
# Docker image ID last imported, and the reference must still be in containerd. FORCE=1 imports.
set -euo pipefail
image=${1:?usage: load-image.sh IMAGE}
ctr() { command ctr --address /run/containerd/containerd.sock -n k8s.io "$@"; }
marks=/var/lib/in-cluster-test/imported
mkdir -p "$marks"
id=$(docker image inspect -f '{{.Id}}' "$image")
mark=$marks/$(printf '%s' "$image" | tr '/:@' '___')
# containerd names Docker Hub references in full.
case "$image" in
  */*/*) ref=$image ;;
  */*) [[ "${image%%/*}" == *.* || "${image%%/*}" == *:* || "${image%%/*}" == localhost ]] && ref=$image || ref=docker.io/$image ;;
  *) ref=docker.io/library/$image ;;
esac
if [ "${FORCE:-}" != 1 ] && [ "$(cat "$mark" 2>/dev/null)" = "$id" ] && ctr images ls -q | grep -qxF "$ref"; then
  echo "$image is already in containerd (k8s.io)"
  exit 0
fi
docker save "$image" | ctr images import - >/dev/null
echo "$id" >"$mark"
echo "loaded $image into containerd (k8s.io)"
