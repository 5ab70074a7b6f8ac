#!/usr/bin/env bash
# smoke.sh [NAME] [CONFIG]: proves a kind cluster works on this machine, with what up.sh brings
# up, and deletes it whatever happens. Checks, each printed as "ok   …" or failing the script:
# the cluster comes up with every node Ready; kindnet, kube-proxy and CoreDNS run on it; a pod
# gets a volume from the default (local-path) storage class; `kind load docker-image` puts an
# image on every node and a pod runs it on each; a pod reaches another through a Service by its
# DNS name (across nodes when there are several); `kind export logs` writes the nodes' logs;
# `kind delete cluster` leaves no cluster and no container behind.
# CONFIG defaults to up.sh's KIND_CONFIG; pass its KIND_CONFIG_MULTI_NODE for three nodes. With
# KIND, KUBECTL, NODE_IMAGE and KIND_CONFIG in the environment (up.sh's lines), up.sh is not run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${KIND:-}" ] || [ -z "${KUBECTL:-}" ] || [ -z "${NODE_IMAGE:-}" ] || [ -z "${KIND_CONFIG:-}" ]; then
  eval "$(bash "$here/up.sh" | grep -E '^[A-Z_]+=')"
fi
name=${1:-kindimg-smoke}
config=${2:-$KIND_CONFIG}
work=$(mktemp -d)
started=$SECONDS
ok() { printf 'ok   %s (%ss)\n' "$*" "$((SECONDS - started))"; }
fail() {
  echo "FAIL $*" >&2
  exit 1
}
cleanup() {
  "$KIND" delete cluster --name "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

t=$SECONDS
"$KIND" create cluster --name "$name" --image "$NODE_IMAGE" --config "$config" --wait 5m ||
  fail "kind create cluster --name $name"
ok "kind create cluster: $((SECONDS - t))s"
"$KIND" get kubeconfig --name "$name" >"$work/kubeconfig"
k() { "$KUBECTL" --kubeconfig "$work/kubeconfig" "$@"; }
nodes=$(k get nodes -o name | wc -l)
k wait --for=condition=Ready nodes --all --timeout=180s >/dev/null || fail "nodes Ready"
ok "$nodes node(s) Ready: $(k get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion} {end}')"
for workload in daemonset/kindnet daemonset/kube-proxy deployment/coredns; do
  k -n kube-system rollout status "$workload" --timeout=180s >/dev/null || {
    k -n kube-system get pods -o wide >&2
    fail "$workload"
  }
done
ok "kindnet, kube-proxy and CoreDNS running"

# An image only this machine has, for kind load: busybox from Debian on scratch.
smoke_image=local/kind-smoke:$(sha256sum /bin/busybox | cut -c1-12)
if ! docker image inspect "$smoke_image" >/dev/null 2>&1; then
  mkdir -p "$work/img"
  cp /bin/busybox "$work/img/"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nENV PATH=/bin\n' >"$work/img/Dockerfile"
  docker build -q -t "$smoke_image" "$work/img" >/dev/null
fi
"$KIND" load docker-image --name "$name" "$smoke_image" >/dev/null || fail "kind load docker-image $smoke_image"
ok "kind load docker-image $smoke_image"

k create namespace smoke >/dev/null
node_names=$(k get nodes -o jsonpath='{.items[*].metadata.name}')
for n in $node_names; do
  k -n smoke run "on-$n" --image="$smoke_image" --image-pull-policy=Never --restart=Never \
    --overrides="{\"spec\":{\"nodeName\":\"$n\",\"tolerations\":[{\"operator\":\"Exists\"}]}}" -- echo "hello from $n" >/dev/null
done
for n in $node_names; do
  k -n smoke wait --for=jsonpath='{.status.phase}'=Succeeded "pod/on-$n" --timeout=120s >/dev/null ||
    fail "the loaded image runs on $n: $(k -n smoke get pod "on-$n" -o jsonpath='{.status}')"
done
ok "the loaded image ran on every node ($node_names)"

cat >"$work/storage.yaml" <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: smoke}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: smoke}
spec:
  restartPolicy: Never
  containers:
    - name: writer
      image: $smoke_image
      imagePullPolicy: Never
      command: [sh, -c, 'echo stored > /data/file && cat /data/file']
      volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
YAML
k apply -f "$work/storage.yaml" >/dev/null
k -n smoke wait --for=jsonpath='{.status.phase}'=Succeeded pod/writer --timeout=180s >/dev/null || {
  k -n smoke describe pod writer >&2
  k -n local-path-storage get pods >&2
  fail "a pod on a local-path volume"
}
[ "$(k -n smoke logs writer)" = stored ] || fail "the volume's content"
ok "local-path volume: pvc $(k -n smoke get pvc data -o jsonpath='{.status.phase}'), class $(k -n smoke get pvc data -o jsonpath='{.spec.storageClassName}')"

# A Service's DNS name through CoreDNS and kube-proxy; the client on another node than the
# server when there is one (kindnet's routes).
server_node=$(echo "$node_names" | awk '{print $NF}')
client_node=$(echo "$node_names" | awk '{print $1}')
cat >"$work/service.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: smoke, labels: {app: web}}
spec:
  nodeName: $server_node
  tolerations: [{operator: Exists}]
  containers:
    - name: web
      image: $smoke_image
      imagePullPolicy: Never
      command: [sh, -c, 'mkdir -p /www && echo served-by-\$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www']
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: smoke}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
YAML
k apply -f "$work/service.yaml" >/dev/null
k -n smoke wait --for=condition=Ready pod/web --timeout=120s >/dev/null || fail "the web pod"
k -n smoke run client --image="$smoke_image" --image-pull-policy=Never --restart=Never \
  --overrides="{\"spec\":{\"nodeName\":\"$client_node\",\"tolerations\":[{\"operator\":\"Exists\"}]}}" -- \
  sh -c 'for i in $(seq 30); do wget -qO- http://web.smoke.svc.cluster.local/ && exit 0; sleep 1; done; exit 1' >/dev/null
k -n smoke wait --for=jsonpath='{.status.phase}'=Succeeded pod/client --timeout=90s >/dev/null || {
  k -n smoke logs client >&2 || true
  fail "a pod on $client_node reaches web.smoke.svc.cluster.local on $server_node"
}
ok "a pod on $client_node got '$(k -n smoke logs client)' from the Service web.smoke.svc.cluster.local (server on $server_node)"

"$KIND" export logs --name "$name" "$work/logs" >/dev/null 2>&1 || fail "kind export logs"
files=$(find "$work/logs" -type f | wc -l)
for n in $node_names; do
  [ -s "$work/logs/$n/kubelet.log" ] || fail "kind export logs has no $n/kubelet.log"
done
ok "kind export logs: $files files, kubelet.log of every node"

t=$SECONDS
"$KIND" delete cluster --name "$name" >/dev/null 2>&1 || fail "kind delete cluster"
if "$KIND" get clusters 2>/dev/null | grep -qxF "$name"; then fail "$name is still listed"; fi
left=$(docker ps -aq --filter "label=io.x-k8s.kind.cluster=$name" | wc -l)
[ "$left" = 0 ] || fail "$left container(s) of $name left"
ok "kind delete cluster: $((SECONDS - t))s, no cluster and no container left"
