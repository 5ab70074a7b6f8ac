#!/usr/bin/env bash
# Stands up a real single-node Kubernetes (v1.32, built from its Go module) on this Debian
# machine, where kind cannot run: etcd, kube-apiserver, controller-manager, scheduler, kubelet and
# kube-proxy as background processes on the host; containerd (CRI) runs the pods; CoreDNS in a
# pod. Every image is built locally. Idempotent: on a healthy cluster it only prints the
# kubeconfig. The last line of stdout is the admin kubeconfig's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${IN_CLUSTER_TEST_STATE:-/var/lib/in-cluster-test/cluster}
logs=$state/logs
pids=$state/pids
pki=$state/pki
admin=$state/admin.kubeconfig
NODE=ict-node
NODE_IP=10.200.0.1 # on a dummy interface we create: all cluster traffic stays on this host
SVC_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
POD_CIDR=10.244.0.0/16
POD_SUBNET=10.244.0.0/24
PAUSE_IMAGE=registry.k8s.io/pause:3.10
started=$SECONDS
phase() { printf 'up.sh: [%4ss] %s\n' "$((SECONDS - started))" "$*" >&2; }

kctl() { "$bin/kubectl" --kubeconfig "$admin" "$@"; }
running() { [ -f "$pids/$1.pid" ] && kill -0 "$(cat "$pids/$1.pid")" 2>/dev/null; }
healthy() {
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do running "$c" || return 1; done
  [ -f "$admin" ] && [ -x "${bin:-/nonexistent}/kubectl" ] &&
    kctl get --raw /readyz >/dev/null 2>&1 &&
    [ "$(kctl get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] &&
    [ "$(kctl -n kube-system get deploy coredns -o jsonpath='{.status.availableReplicas}' 2>/dev/null)" = 1 ]
}

# A cold build is not started here, unseen: the phase below runs it with its output shown.
bin=$(bash "$here/build.sh" --cached 2>/dev/null | tail -1 || true)
if healthy; then
  phase "cluster already up"
  echo "$admin"
  exit 0
fi

phase "packages"
need=()
for p in containerd runc containernetworking-plugins etcd-server iptables conntrack catatonit openssl; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

phase "building Kubernetes and CoreDNS (cached by version)"
bin=$(bash "$here/build.sh" | tail -1)
coredns=$(bash "$here/build-coredns.sh" | tail -1)
mkdir -p "$logs" "$pids" "$pki" /etc/cni/net.d /var/lib/kubelet

phase "host networking"
mount --make-rshared /
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1
# A bridge with no ports: the dummy module is not loadable here, bridges are built in.
ip link show ict0 >/dev/null 2>&1 || ip link add ict0 type bridge
# (Captured first: with pipefail, grep -q closing the pipe early would read as "missing".)
[[ "$(ip -4 addr show dev ict0)" == *"$NODE_IP/"* ]] || ip addr add "$NODE_IP/32" dev ict0
ip link set ict0 up
# Docker leaves FORWARD at DROP; pod traffic must pass.
for dir in -s -d; do
  iptables -C FORWARD "$dir" "$POD_CIDR" -j ACCEPT 2>/dev/null || iptables -I FORWARD "$dir" "$POD_CIDR" -j ACCEPT
done
cat >/etc/cni/net.d/10-in-cluster-test.conflist <<JSON
{
  "cniVersion": "0.4.0",
  "name": "in-cluster-test",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_SUBNET" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

phase "containerd (CRI) and Docker"
mkdir -p /etc/containerd
cat >/etc/containerd/config.toml <<TOML
version = 2
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    # No CAP_SYS_RESOURCE here: negative oom_score_adj for sandboxes would fail every pod.
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
    # Pull settings per registry host (hosts.toml files): the local registry speaks plain HTTP.
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
TOML
# hack/local-cluster/registry.sh serves on loopback without TLS; containerd pulls in the host's network.
mkdir -p /etc/containerd/certs.d/127.0.0.1:5001
cat >/etc/containerd/certs.d/127.0.0.1:5001/hosts.toml <<TOML
server = "http://127.0.0.1:5001"
[host."http://127.0.0.1:5001"]
  capabilities = ["pull", "resolve"]
TOML
# `containerd config dump` shows the file, not what the daemon loaded: remember what it started with.
marker=/run/in-cluster-test-containerd.config.sha256
want=$(sha256sum /etc/containerd/config.toml | cut -d' ' -f1)
if pgrep -x containerd >/dev/null && [ "$(cat "$marker" 2>/dev/null)" != "$want" ]; then
  phase "restarting containerd with the CRI configuration"
  pkill -x containerd || true
  for _ in $(seq 50); do pgrep -x containerd >/dev/null || break; sleep 0.2; done
fi
bash "$here/../docker-up.sh" >&2
echo "$want" >"$marker"
if ! docker info >/dev/null 2>&1; then
  pkill -x dockerd || true
  sleep 1
  bash "$here/../docker-up.sh" >&2
fi
ctr() { command ctr --address /run/containerd/containerd.sock "$@"; }

phase "certificates and kubeconfigs"
if [ ! -f "$pki/ca.crt" ]; then
  (
    cd "$pki"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=in-cluster-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
    mk() { # name subject eku [san]
      openssl genrsa -out "$1.key" 2048 2>/dev/null
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
      {
        echo "basicConstraints=CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$3"
        if [ -n "${4:-}" ]; then echo "subjectAltName=$4"; fi
      } >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    }
    mk apiserver "/CN=kube-apiserver" serverAuth \
      "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$NODE,IP:10.96.0.1,IP:127.0.0.1,IP:$NODE_IP"
    mk apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
    mk admin "/O=system:masters/CN=kubernetes-admin" clientAuth
    mk controller-manager "/CN=system:kube-controller-manager" clientAuth
    mk scheduler "/CN=system:kube-scheduler" clientAuth
    mk kube-proxy "/CN=system:kube-proxy" clientAuth
    mk kubelet "/O=system:nodes/CN=system:node:$NODE" clientAuth
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
fi
for c in admin controller-manager scheduler kube-proxy kubelet; do
  kc=$state/$c.kubeconfig
  [ -f "$kc" ] && continue
  "$bin/kubectl" config set-cluster local --server=https://127.0.0.1:6443 --certificate-authority="$pki/ca.crt" --embed-certs --kubeconfig="$kc" >/dev/null
  "$bin/kubectl" config set-credentials "$c" --client-certificate="$pki/$c.crt" --client-key="$pki/$c.key" --embed-certs --kubeconfig="$kc" >/dev/null
  "$bin/kubectl" config set-context default --cluster=local --user="$c" --kubeconfig="$kc" >/dev/null
  "$bin/kubectl" config use-context default --kubeconfig="$kc" >/dev/null
  chmod 600 "$kc"
done

start() { # name command...: once, as a background process with a pid file and a log
  local name=$1
  shift
  if [ -f "$pids/$name.pid" ] && kill -0 "$(cat "$pids/$name.pid")" 2>/dev/null; then return; fi
  NO_PROXY=127.0.0.1,localhost,$NODE_IP,10.96.0.0/16,$POD_CIDR,.svc,.cluster.local \
    nohup setsid "$@" >>"$logs/$name.log" 2>&1 &
  echo $! >"$pids/$name.pid"
}
wait_for() { # seconds what command...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "up.sh: $what did not come up; logs in $logs" >&2
      tail -20 "$logs"/*.log >&2 || true
      return 1
    fi
    sleep 1
  done
}

phase "control plane"
start etcd etcd --name default --data-dir "$state/etcd" --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380
wait_for 30 etcd curl -fsS http://127.0.0.1:2379/health
start kube-apiserver "$bin/kube-apiserver" --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port=6443 \
  --etcd-servers=http://127.0.0.1:2379 --service-cluster-ip-range="$SVC_CIDR" \
  --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
  --kubelet-preferred-address-types=InternalIP,Hostname
wait_for 90 kube-apiserver kctl get --raw /readyz
start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$state/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$state/controller-manager.kubeconfig" --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --use-service-account-credentials=true --service-cluster-ip-range="$SVC_CIDR" --leader-elect=false --bind-address=127.0.0.1
start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$state/scheduler.kubeconfig" \
  --authentication-kubeconfig="$state/scheduler.kubeconfig" --authorization-kubeconfig="$state/scheduler.kubeconfig" \
  --leader-elect=false --bind-address=127.0.0.1

phase "images (built here, imported into containerd's k8s.io namespace)"
import_image() { # ref build-dir: Docker's build cache gives unchanged content the same image ID,
  # which load-image.sh does not import again.
  docker build -q -t "$1" "$2" >/dev/null
  bash "$here/load-image.sh" "$1" >/dev/null
}
img=$(mktemp -d)
trap 'rm -rf "$img"' EXIT
mkdir -p "$img/pause" "$img/coredns" "$img/smoke"
cp /usr/bin/catatonit "$img/pause/pause"
printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause", "-P"]\n' >"$img/pause/Dockerfile"
import_image "$PAUSE_IMAGE" "$img/pause"
coredns_ref=local/coredns:$(basename "$(dirname "$coredns")" | sed 's/^coredns-//')
cp "$coredns" "$img/coredns/coredns"
printf 'FROM scratch\nCOPY coredns /coredns\nENTRYPOINT ["/coredns"]\n' >"$img/coredns/Dockerfile"
import_image "$coredns_ref" "$img/coredns"
(cd "$here/smoke" && CGO_ENABLED=0 go build -o "$img/smoke/smoke" .)
printf 'FROM scratch\nCOPY smoke /smoke\nENTRYPOINT ["/smoke"]\n' >"$img/smoke/Dockerfile"
import_image local/smoke:v1 "$img/smoke"

phase "node: kubelet and kube-proxy"
# Rewritten only when it changes: kube-proxy exits when its configuration file is touched.
write_if_changed() { # path: content on stdin
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
write_if_changed /var/lib/kubelet/config.yaml <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
failSwapOn: false
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
# Nothing can be pulled again: never garbage-collect images, evict only on a really full disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "200Mi", nodefs.available: "1Gi", imagefs.available: "1Gi", nodefs.inodesFree: "1%"}
serializeImagePulls: false
YAML
start kubelet "$bin/kubelet" --config=/var/lib/kubelet/config.yaml --kubeconfig="$state/kubelet.kubeconfig" \
  --hostname-override="$NODE" --node-ip="$NODE_IP"
write_if_changed "$state/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $state/kube-proxy.kubeconfig}
hostnameOverride: $NODE
mode: iptables
clusterCIDR: $POD_CIDR
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
start kube-proxy "$bin/kube-proxy" --config="$state/kube-proxy.yaml"
wait_for 120 "node $NODE Ready" sh -c "'$bin/kubectl' --kubeconfig '$admin' get node $NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -q True"

phase "CoreDNS"
sed -e "s#@DNS_IP@#$DNS_IP#g" -e "s#@IMAGE@#$coredns_ref#g" "$here/coredns.yaml" | kctl apply --server-side -f - >/dev/null
kctl -n kube-system rollout status deploy/coredns --timeout=120s >&2

phase "smoke test: a pod reaches a Service by its DNS name"
kctl delete namespace ict-smoke --ignore-not-found --wait=true >/dev/null
kctl apply --server-side -f "$here/smoke.yaml" >/dev/null
if ! kctl -n ict-smoke wait --for=condition=complete job/smoke-probe --timeout=90s >&2; then
  kctl -n ict-smoke logs job/smoke-probe >&2 || true
  echo "up.sh: the smoke test failed: a pod could not reach a Service through cluster DNS" >&2
  exit 1
fi
kctl -n ict-smoke logs job/smoke-probe >&2
kctl delete namespace ict-smoke --wait=false >/dev/null
phase "cluster ready ($("$bin/kubectl" version --client -o json | python3 -c 'import sys,json;print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'))"
echo "$admin"
