#!/usr/bin/env bash
# Installs Debian's Docker Engine (and the containerd it runs on) and starts both as plain
# background processes: these machines have no systemd, and a new machine has no engine.
# On a machine whose capability bounding set lacks CAP_SYS_RESOURCE (ours), the engine's default
# runtime is hack/kind/runc-drop-sys-resource, so that `docker run --privileged` (kind's nodes)
# works; see hack/kind/README.md. Idempotent: a running engine is left alone, except one whose
# default runtime is not that wrapper: it is told to reload its configuration (SIGHUP, which
# running containers do not notice) and, only if that did not take, restarted (DOCKER_UP_NO_RESTART=1:
# fail instead). Logs go to /var/log/in-cluster-test/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

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

# CAP_SYS_RESOURCE is capability 24: bit 24 of the bounding set.
runtime_name=""
if (((0x$(awk '/^CapBnd:/ {print $2}' /proc/self/status) >> 24 & 1) == 0)); then
  runtime_name=runc-drop-sys-resource
  runtime_path=/usr/local/libexec/in-cluster-test/$runtime_name
  # The wrapper edits runtime specs with Debian's Python; this script merges daemon.json with jq.
  for tool in /usr/bin/python3:python3 /usr/bin/jq:jq; do
    [ -x "${tool%%:*}" ] && continue
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null
    fi
  done
  # Installed outside the clone: the engine keeps using it after this checkout is gone.
  if ! cmp -s "$here/kind/$runtime_name" "$runtime_path"; then
    install -D -m 0755 "$here/kind/$runtime_name" "$runtime_path.tmp"
    mv -f "$runtime_path.tmp" "$runtime_path"
  fi
  mkdir -p /etc/docker
  current=$(cat /etc/docker/daemon.json 2>/dev/null || true)
  wanted=$(printf '%s' "${current:-{\}}" | jq --arg name "$runtime_name" --arg path "$runtime_path" \
    '.runtimes[$name] = {path: $path} | .["default-runtime"] = $name')
  if [ "$(printf '%s' "$current" | jq -S . 2>/dev/null)" != "$(printf '%s' "$wanted" | jq -S .)" ]; then
    echo "docker-up: /etc/docker/daemon.json: default runtime $runtime_name ($runtime_path)"
    printf '%s\n' "$wanted" >/etc/docker/daemon.json.tmp
    mv -f /etc/docker/daemon.json.tmp /etc/docker/daemon.json
  fi
fi
default_runtime() { docker info --format '{{.DefaultRuntime}}' 2>/dev/null; }
if [ -n "$runtime_name" ] && docker info >/dev/null 2>&1 && [ "$(default_runtime)" != "$runtime_name" ]; then
  pid=$(cat /var/run/docker.pid 2>/dev/null || pgrep -xo dockerd)
  echo "docker-up: dockerd ($pid) runs with default runtime $(default_runtime): reloading its configuration"
  kill -HUP "$pid"
  for _ in $(seq 20); do
    [ "$(default_runtime)" = "$runtime_name" ] && break
    sleep 0.5
  done
  if [ "$(default_runtime)" != "$runtime_name" ]; then
    if [ -n "${DOCKER_UP_NO_RESTART:-}" ]; then
      echo "docker-up: the reload did not change the default runtime, and DOCKER_UP_NO_RESTART forbids a restart" >&2
      exit 1
    fi
    echo "docker-up: the reload did not change the default runtime: restarting dockerd ($pid)"
    kill "$pid"
    for _ in $(seq 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
  fi
fi

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
echo "docker-up: $(docker version --format 'engine {{.Server.Version}}, client {{.Client.Version}}'), default runtime $(default_runtime)"
