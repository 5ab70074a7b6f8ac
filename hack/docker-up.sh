#!/usr/bin/env bash
# Installs Debian's Docker Engine (and the containerd it runs on) and starts both as plain
# background processes: these machines have no systemd, and a new machine has no engine.
# Idempotent: a running engine is left alone. Logs go to /var/log/in-cluster-test/.
set -euo pipefail

log_dir=/var/log/in-cluster-test
mkdir -p "$log_dir"

if ! command -v dockerd >/dev/null || ! command -v containerd >/dev/null; then
  echo "docker-up: installing docker.io and containerd from apt"
  if ! apt-get install -y -qq docker.io containerd runc >/dev/null 2>"$log_dir/apt-docker.err"; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io containerd runc >/dev/null
  fi
fi

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "docker-up: $what did not come up; see $log_dir" >&2
      return 1
    fi
    sleep 0.5
  done
}

if ! ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1; then
  echo "docker-up: starting containerd"
  nohup containerd >"$log_dir/containerd.log" 2>&1 &
  echo $! >/run/in-cluster-test-containerd.pid
  wait_for 30 containerd ctr --address /run/containerd/containerd.sock version
fi

if ! docker info >/dev/null 2>&1; then
  echo "docker-up: starting dockerd"
  nohup dockerd --containerd=/run/containerd/containerd.sock >"$log_dir/dockerd.log" 2>&1 &
  echo $! >/run/in-cluster-test-dockerd.pid
  wait_for 60 dockerd docker info
fi
echo "docker-up: $(docker version --format 'engine {{.Server.Version}}, client {{.Client.Version}}')"
