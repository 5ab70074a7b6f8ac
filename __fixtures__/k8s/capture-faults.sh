#!/usr/bin/env bash
# Captures the objects of three more faults from a live cluster into this folder (see README.md):
# a secretKeyRef to a key the Secret does not have, a pod that requests more memory than the
# node has, and a test pod deleted (or evicted) while it runs (backoffLimit 0).
# Usage: KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig bash __fixtures__/k8s/capture-faults.sh [image]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
image=${1:-docker.io/local/postgres:15}
ns=ict-fixtures-faults
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$ns" create secret generic present --from-literal=A=b --dry-run=client -o yaml | kubectl apply -f - >/dev/null

job() { fixture_job "$1" "$image" 300 "$2" "$(sh_command "$4")" "$3"; } # name memory env-yaml script

job missing-key 64Mi '[{name: API_TOKEN, valueFrom: {secretKeyRef: {name: present, key: API_TOKEN}}}]' 'true'
job unschedulable 4Ti '[]' 'true'
job pod-deleted 64Mi '[]' 'echo "=== RUN   TestSlow"; i=0; while :; do i=$((i+1)); echo "    slow tick $i"; sleep 1; done'

until_jsonpath 60 "pod/$(pod_of missing-key)" '{.status.containerStatuses[0].state.waiting.reason}' CreateContainerConfigError
kubectl -n "$ns" get pod "$(pod_of missing-key)" -o json >"$out/pod-missing-key.json"
until_jsonpath 60 "pod/$(pod_of unschedulable)" '{.status.conditions[0].reason}' Unschedulable
kubectl -n "$ns" get pod "$(pod_of unschedulable)" -o json >"$out/pod-unschedulable.json"

# An evicted pod (the Eviction API, as a node drain uses it): DisruptionTarget tells why.
job pod-evicted 64Mi '[]' 'echo "=== RUN   TestSlow"; while :; do sleep 1; done'

# The deleted pod: sh as PID 1 ignores SIGTERM, so it terminates for its 30 s grace period
# while the Job controller already counts it as failed (a Go test binary exits 2 at once
# instead: capture-go-deleted.sh).
pod=$(pod_of pod-deleted)
until_jsonpath 60 "pod/$pod" '{.status.phase}' Running
sleep 3
kubectl -n "$ns" delete pod "$pod" --wait=false >/dev/null
until_jsonpath 30 job/pod-deleted '{.status.conditions[*].type}' FailureTarget
kubectl -n "$ns" get job pod-deleted -o json >"$out/job-pod-deleted.json"
kubectl -n "$ns" get pod "$pod" -o json >"$out/pod-deleted-terminating.json"

pod=$(pod_of pod-evicted)
until_jsonpath 60 "pod/$pod" '{.status.phase}' Running
printf '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"%s"}}' "$pod" "$ns" |
  kubectl create --raw "/api/v1/namespaces/$ns/pods/$pod/eviction" -f - >/dev/null
until_jsonpath 30 job/pod-evicted '{.status.conditions[*].type}' FailureTarget
kubectl -n "$ns" get job pod-evicted -o json >"$out/job-pod-evicted.json"
kubectl -n "$ns" get pod "$pod" -o json >"$out/pod-evicted-terminating.json"
kubectl -n "$ns" get events -o json >"$out/events-faults.json"

for j in missing-key unschedulable pod-deleted pod-evicted; do kubectl -n "$ns" delete job "$j" --wait=false >/dev/null; done
