#!/usr/bin/env bash
# Captures a namespace that cannot finish terminating (see README.md): a ConfigMap in it carries a
# finalizer that nothing removes, then the namespace is deleted without waiting. Once the namespace
# controller has said why (NamespaceFinalizersRemaining), the Namespace is saved; then the
# finalizer is removed and the namespace goes.
# Usage: KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig bash __fixtures__/k8s/capture-namespace.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ns=ict-fixtures-held
finalizer=in-cluster-test.example/hold

release() { kubectl -n "$ns" patch configmap held --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true; }
trap release EXIT

kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: v1
kind: ConfigMap
metadata: {name: held, namespace: $ns, finalizers: [$finalizer]}
data: {a: b}
YAML
kubectl delete namespace "$ns" --wait=false >/dev/null
until_jsonpath 60 "namespace/$ns" '{.status.conditions[?(@.type=="NamespaceFinalizersRemaining")].status}' True
kubectl get namespace "$ns" -o json >"$out/namespace-terminating-finalizer.json"
release
kubectl wait --for=delete "namespace/$ns" --timeout=60s >/dev/null
