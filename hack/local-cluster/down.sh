#!/usr/bin/env bash
# Stops what up.sh started (by its pid files), removes the pods' containers and the kubelet's
# mounts, and leaves the build caches. containerd and Docker keep running (other work uses them).
# `up.sh` afterwards starts from a clean node; PURGE=1 also deletes the cluster's state (etcd, PKI).
set -uo pipefail
state=${IN_CLUSTER_TEST_STATE:-/var/lib/in-cluster-test/cluster}
pids=$state/pids
stop() {
  local f=$pids/$1.pid
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
for c in registry git-http git-daemon kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$c"; done

ctr() { command ctr --address /run/containerd/containerd.sock -n k8s.io "$@"; }
if ctr version >/dev/null 2>&1; then
  for t in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
  sleep 1
  for t in $(ctr tasks ls -q 2>/dev/null); do ctr tasks rm -f "$t" >/dev/null 2>&1 || true; done
  for c in $(ctr containers ls -q 2>/dev/null); do ctr containers rm "$c" >/dev/null 2>&1 || true; done
fi
# Volumes and projected tokens the kubelet mounted, deepest first.
grep -E ' /var/lib/kubelet/| /run/containerd/io.containerd.grpc.v1.cri/sandboxes/| /run/netns/cni-' /proc/mounts |
  awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
ip link delete cni0 2>/dev/null || true
rm -rf /var/lib/cni/networks/in-cluster-test
if [ "${PURGE:-}" = 1 ]; then rm -rf "$state" /var/lib/kubelet/pods; fi
left=$(grep -c ' /var/lib/kubelet/' /proc/mounts || true)
echo "down.sh: stopped; $left kubelet mount(s) left"
