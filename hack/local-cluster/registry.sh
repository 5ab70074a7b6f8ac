#!/usr/bin/env bash
# A container registry for the local cluster, the way a nightly run against a real environment
# reaches one: the CNCF distribution registry (built from its Go module, cached by version)
# listening on 127.0.0.1:5001. Docker pushes to loopback addresses without TLS, and containerd,
# which pulls for the kubelet in the host's network, is told to use plain HTTP for it
# (/etc/containerd/certs.d/127.0.0.1:5001/hosts.toml, written by up.sh). Idempotent: a running
# registry is left alone. Its last line of stdout is the registry's host:port.
set -euo pipefail
REGISTRY_VERSION=${REGISTRY_VERSION:-v3.1.2}
state=${IN_CLUSTER_TEST_STATE:-/var/lib/in-cluster-test/cluster}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
addr=127.0.0.1:5001
bin=$cache/registry-$REGISTRY_VERSION/registry
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  started=$SECONDS
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=$(dirname "$bin") \
    nice go install -ldflags "-s -w" "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"
  echo "registry.sh: built in $((SECONDS - started))s" >&2
fi

mkdir -p "$state/pids" "$state/logs" /var/lib/in-cluster-test/registry
pidfile=$state/pids/registry.pid
if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  cat >"$state/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/in-cluster-test/registry
  delete:
    enabled: true
http:
  addr: $addr
YAML
  nohup setsid "$bin" serve "$state/registry.yml" >>"$state/logs/registry.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 100); do
    curl -fsS "http://$addr/v2/" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
curl -fsS "http://$addr/v2/" >/dev/null || {
  echo "registry.sh: no registry answers on $addr (see $state/logs/registry.log)" >&2
  exit 1
}
echo "$addr"
