#!/usr/bin/env bash
# Captures real Job and Pod objects from a live cluster into this folder (see README.md).
# Usage: KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig bash __fixtures__/k8s/capture.sh [image]
# The image needs sh and perl (Debian's perl-base); the local cluster has local/postgres:15.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
image=${1:-docker.io/local/postgres:15}
ns=ict-fixtures
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

job() { fixture_job "$1" "$image" "$2" "$3" "$(sh_command "$4")"; } # name deadline memory script

job succeeded 120 64Mi 'echo "=== RUN   TestOne"; echo "--- PASS: TestOne (0.00s)"; echo PASS'
job failed-exit-3 120 64Mi 'echo "--- FAIL: TestTwo (0.00s)"; echo FAIL; exit 3'
job oomkilled 120 32Mi 'echo allocating; perl -e "\$x = q(a) x 500_000_000; print length(\$x)"'
job deadline 6 64Mi 'echo sleeping; sleep 300'

for name in succeeded failed-exit-3 oomkilled deadline; do
  kubectl -n "$ns" wait "job/$name" --for=jsonpath='{.status.conditions[?(@.type=="Complete")].status}'=True --timeout=1s >/dev/null 2>&1 || true
done
# Wait for a terminal condition of either kind (kubectl wait --for=condition=complete hangs on Failed).
for name in succeeded failed-exit-3 oomkilled deadline; do
  for _ in $(seq 1 60); do
    if kubectl -n "$ns" get job "$name" -o json | grep -Eq '"type": "(Complete|Failed)"'; then break; fi
    sleep 1
  done
done
sleep 2
for name in succeeded failed-exit-3 oomkilled deadline; do
  kubectl -n "$ns" get job "$name" -o json >"$out/job-$name.json"
  pod=$(kubectl -n "$ns" get pods -l "job-name=$name" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)
  if [ -n "$pod" ]; then
    kubectl -n "$ns" get pod "$pod" -o json >"$out/pod-$name.json"
    kubectl -n "$ns" logs "$pod" -c tests --timestamps >"$out/log-$name.txt" 2>&1 || true
  else
    echo "no pod left for $name (deleted by the Job controller)" >&2
  fi
done
kubectl -n "$ns" get events -o json >"$out/events.json"
kubectl version -o json >"$out/version.json"

# Pods that cannot start: an image the node does not have (no registry reachable) and a missing
# Secret. Captured while they wait, then deleted.
stuck() { # name image secret
  kubectl -n "$ns" delete pod "$1" --ignore-not-found --wait=true >/dev/null
  cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $ns}
spec:
  restartPolicy: Never
  containers:
    - name: tests
      image: $2
      imagePullPolicy: IfNotPresent
      command: [sh, -c, 'true']
      envFrom: [{secretRef: {name: $3}}]
YAML
}
stuck image-not-loaded example/not-loaded:0123456789ab present
kubectl -n "$ns" create secret generic present --from-literal=A=b --dry-run=client -o yaml | kubectl apply -f - >/dev/null
stuck missing-secret "$image" no-such-secret
for name in image-not-loaded missing-secret; do
  for _ in $(seq 1 60); do
    reason=$(kubectl -n "$ns" get pod "$name" -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}')
    case "$reason" in ImagePullBackOff | CreateContainerConfigError) break ;; esac
    sleep 1
  done
  # The pull error names the registry's endpoint; the project keeps registry hosts out of git.
  kubectl -n "$ns" get pod "$name" -o json | sed -E 's#https://[^/"]+/v2/#https://<registry>/v2/#g; s#lookup [^ ]+ on#lookup <registry> on#g' >"$out/pod-$name.json"
  kubectl -n "$ns" delete pod "$name" --wait=false >/dev/null
done
