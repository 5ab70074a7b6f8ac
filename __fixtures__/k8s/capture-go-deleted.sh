#!/usr/bin/env bash
# Captures a Go test binary's pod deleted while its test runs, after its container has ended.
# A Go program that is PID 1 cannot die from SIGTERM (the kernel drops the signal it re-raises
# with the default action), so the runtime exits 2 at once: the pod then says "terminated, Error,
# exit 2" before it is gone, which looks like a failing test unless the times are compared.
# Writes pod-deleted-go-terminated.json, job-deleted-go.json and log-deleted-go.txt.
# Usage (from the repository root, the local cluster up):
#   KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig bash __fixtures__/k8s/capture-go-deleted.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/__fixtures__/k8s/lib.sh"
ns=ict-fixtures-go-deleted
image=in-cluster-test/go-slow:fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/go.mod" <<'MOD'
module slow

go 1.22
MOD
cat >"$tmp/slow_test.go" <<'GO'
package slow

import (
	"testing"
	"time"
)

func TestSlow(t *testing.T) {
	for i := 1; i <= 120; i++ {
		time.Sleep(time.Second)
		t.Logf("slow tick %d/120", i)
	}
}
GO
(cd "$tmp" && CGO_ENABLED=0 GOTOOLCHAIN=local go test -c -o slow.test .)
printf 'FROM scratch\nCOPY slow.test /slow.test\nENTRYPOINT ["/slow.test", "-test.v"]\n' >"$tmp/Dockerfile"
docker build -q -t "$image" "$tmp" >/dev/null
bash "$root/hack/local-cluster/load-image.sh" "$image" >/dev/null

kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
kubectl create namespace "$ns" >/dev/null
fixture_job slow "$image" 300 64Mi "" "" Never
until_jsonpath 60 job/slow '{.status.active}' 1
pod=$(pod_of slow)
until_jsonpath 60 "pod/$pod" '{.status.phase}' Running
sleep 4
kubectl -n "$ns" logs "$pod" >"$out/log-deleted-go.txt"
# Every version of the pod from here on: it lives only a moment after its container ends.
kubectl -n "$ns" get pod "$pod" --watch --output-watch-events -o json >"$tmp/watch.json" &
watcher=$!
sleep 1
kubectl -n "$ns" delete pod "$pod" --wait=false >/dev/null
until_jsonpath 30 job/slow '{.status.conditions[*].type}' Failed
sleep 2
kill "$watcher"
# The snapshot the action may get: deletion pending, container already ended by the runtime's exit.
python3 - "$tmp/watch.json" "$out/pod-deleted-go-terminated.json" <<'PY'
import json, sys
text, dec, objs, i = open(sys.argv[1]).read(), json.JSONDecoder(), [], 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    o, i = dec.raw_decode(text, i)
    objs.append(o["object"])
ended = [o for o in objs if o["metadata"].get("deletionTimestamp")
         and "terminated" in o["status"]["containerStatuses"][0]["state"]]
assert ended, f"no terminated snapshot among {len(objs)} watch events"
json.dump(ended[0], open(sys.argv[2], "w"), indent=2)
PY
kubectl -n "$ns" get job slow -o json >"$out/job-deleted-go.json"
kubectl delete namespace "$ns" --wait=false >/dev/null
echo "captured: pod $pod, exit $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])' "$out/pod-deleted-go-terminated.json")"
