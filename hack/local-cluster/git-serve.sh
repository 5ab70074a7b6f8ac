#!/usr/bin/env bash
# Serves a git repository to the local cluster the way GitHub serves it to ArgoCD on a runner:
# `git daemon` on the node's IP (port 9418), so the repo-server in a pod can clone it.
#   git-serve.sh [REPO]    (default: the repository this script is in)
#   GIT_HTTP=1 GIT_HTTP_USER=u GIT_HTTP_PASSWORD=p git-serve.sh [REPO]
# Publishes the working tree's state as a commit (`git stash create`, so uncommitted changes to
# tracked files are included; HEAD when there are none) on branch `e2e` of a bare copy, starts the
# daemon when it is not running (pid in the cluster's pids folder; down.sh stops it).
# With GIT_HTTP=1 it also serves the same bare copies over HTTP behind Basic auth (a private
# repository): git-http.mjs on the node's IP, port 8418, restarted on every call so it has this
# call's user and password (pid file git-http.pid; down.sh stops it). For a try elsewhere:
# NODE_IP, IN_CLUSTER_TEST_STATE, GIT_SERVE_ROOT (the bare copies) and GIT_HTTP_PORT move it.
#
# Output contract (callers read the last lines):
#   default:    last line      "git://NODE_IP/<repo>.git REVISION"
#   GIT_HTTP=1: line before it "git://NODE_IP/<repo>.git REVISION"
#               last line      "http://NODE_IP:8418/<repo>.git REVISION"  (no credentials in it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${1:-$here/../..}" && git rev-parse --show-toplevel)
state=${IN_CLUSTER_TEST_STATE:-/var/lib/in-cluster-test/cluster}
node_ip=${NODE_IP:-10.200.0.1}
root=${GIT_SERVE_ROOT:-/var/lib/in-cluster-test/git}
http_port=${GIT_HTTP_PORT:-8418}
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

[ "${GIT_HTTP:-}" = 1 ] || exit 0
if [ -z "${GIT_HTTP_USER:-}" ] || [ -z "${GIT_HTTP_PASSWORD:-}" ]; then
  echo "git-serve.sh: GIT_HTTP=1 needs GIT_HTTP_USER and GIT_HTTP_PASSWORD" >&2
  exit 1
fi
http_pidfile=$state/pids/git-http.pid
if [ -f "$http_pidfile" ]; then
  pid=$(cat "$http_pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$http_pidfile"
fi
# The password reaches the server through its environment, never its argv.
GIT_HTTP_USER=$GIT_HTTP_USER GIT_HTTP_PASSWORD=$GIT_HTTP_PASSWORD nohup "${NODE:-node}" "$here/git-http.mjs" \
  --root "$root" --listen "$node_ip" --port "$http_port" --pid-file "$http_pidfile" \
  >>"$state/logs/git-http.log" 2>&1 &
http_url=http://$node_ip:$http_port/$name
# Checked with the credentials as a header (GIT_CONFIG_* env), so they are in no argv either.
auth=$(printf '%s:%s' "$GIT_HTTP_USER" "$GIT_HTTP_PASSWORD" | base64 -w0)
ls_remote_http() {
  no_proxy=$node_ip${no_proxy:+,$no_proxy} NO_PROXY=$node_ip${NO_PROXY:+,$NO_PROXY} \
    GIT_TERMINAL_PROMPT=0 GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader \
    GIT_CONFIG_VALUE_0="Authorization: Basic $auth" git ls-remote "$http_url" "$@"
}
for _ in $(seq 50); do
  ls_remote_http >/dev/null 2>&1 && break
  sleep 0.1
done
ls_remote_http refs/heads/e2e 2>/dev/null | grep -q "^$rev" || {
  echo "git-serve.sh: $http_url does not serve $rev (see $state/logs/git-http.log)" >&2
  exit 1
}
echo "$http_url $rev"
