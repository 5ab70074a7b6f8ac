#!/usr/bin/env bash
# Serves a git repository to the local cluster the way GitHub serves it to ArgoCD on a runner:
# `git daemon` on the node's IP (port 9418), so the repo-server in a pod can clone it.
#   git-serve.sh [REPO]    (default: the repository this script is in)
# Publishes the working tree's state as a commit (`git stash create`, so uncommitted changes to
# tracked files are included; HEAD when there are none) on branch `e2e` of a bare copy, starts the
# daemon when it is not running (pid in the cluster's pids folder; down.sh stops it), and prints
# "URL REVISION" on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${1:-$here/../..}" && git rev-parse --show-toplevel)
state=${IN_CLUSTER_TEST_STATE:-/var/lib/in-cluster-test/cluster}
node_ip=${NODE_IP:-10.200.0.1}
root=/var/lib/in-cluster-test/git
name=$(basename "$repo").git
mkdir -p "$root" "$state/pids" "$state/logs"
[ -d "$root/$name" ] || git init -q --bare "$root/$name"
rev=$(git -C "$repo" stash create)
rev=${rev:-$(git -C "$repo" rev-parse HEAD)}
git -C "$repo" push -q --force "$root/$name" "$rev:refs/heads/e2e"

pidfile=$state/pids/git-daemon.pid
if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  nohup git daemon --reuseaddr --export-all --base-path="$root" --listen="$node_ip" --port=9418 \
    --pid-file="$pidfile" "$root" >>"$state/logs/git-daemon.log" 2>&1 &
  for _ in $(seq 50); do
    git ls-remote "git://$node_ip/$name" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
git ls-remote "git://$node_ip/$name" refs/heads/e2e | grep -q "^$rev" || {
  echo "git-serve.sh: git://$node_ip/$name does not serve $rev (see $state/logs/git-daemon.log)" >&2
  exit 1
}
echo "git://$node_ip/$name $rev"
