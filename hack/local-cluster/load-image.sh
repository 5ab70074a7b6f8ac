#!/usr/bin/env bash
# Loads a Docker image into the local cluster's containerd (namespace k8s.io), where the kubelet
# finds it: the action's image-load command for this cluster is
#   bash hack/local-cluster/load-image.sh {image}
set -euo pipefail
image=${1:?usage: load-image.sh IMAGE}
docker save "$image" | ctr --address /run/containerd/containerd.sock -n k8s.io images import - >/dev/null
echo "loaded $image into containerd (k8s.io)"
