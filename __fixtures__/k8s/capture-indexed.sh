#!/usr/bin/env bash
# Captures the sharding design run for real: __fixtures__/gotest/shards-src compiled with a
# TestMain that picks its shard from JOB_COMPLETION_INDEX (the opt-in that src/shard/jobs.ts
# documents) into a FROM scratch image, run as the Indexed Job `indexedShardJob` renders (two
# shards, FIXTURE_FAIL=1: a failure in each) and, for comparison, as the two Jobs `shardJobs`
# renders. Writes the Indexed Job, one of its pods and both indexes' logs (plain `kubectl logs`).
# Usage (from the repository root, the local cluster up):
#   KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig bash __fixtures__/k8s/capture-indexed.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/__fixtures__/k8s/lib.sh"
ns=ict-fixtures-indexed
image=in-cluster-test/indexed-shards:fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$root"/__fixtures__/gotest/shards-src/* "$tmp"/
cat >"$tmp/main_test.go" <<'GO'
package shards

import (
	"flag"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if i, ok := os.LookupEnv("JOB_COMPLETION_INDEX"); ok {
		if p, ok := os.LookupEnv("IN_CLUSTER_TEST_RUN_" + i); ok {
			flag.Set("test.run", p)
		}
		if p, ok := os.LookupEnv("IN_CLUSTER_TEST_SKIP_" + i); ok {
			flag.Set("test.skip", p)
		}
	}
	os.Exit(m.Run())
}
GO
(cd "$tmp" && CGO_ENABLED=0 go test -c -cover -covermode=atomic -o shards.test .)
# WORKDIR creates /tmp: the coverage runtime needs a temporary directory, scratch has none.
printf 'FROM scratch\nCOPY shards.test /shards.test\nWORKDIR /tmp\nENTRYPOINT ["/shards.test"]\n' >"$tmp/Dockerfile"
docker build -q -t "$image" "$tmp" >/dev/null
bash "$root/hack/local-cluster/load-image.sh" "$image" >/dev/null
cat >"$tmp/render.mts" <<TS
import * as fs from 'node:fs'
import { stringify } from '$root/node_modules/yaml/dist/index.js'
import { renderJob } from '$root/src/job/render.js'
import { parseJobTemplate } from '$root/src/k8s/job-template.js'
import { indexedShardJob, shardJobs } from '$root/src/shard/jobs.js'
import { parseTestList, splitTests } from '$root/src/shard/shard.js'
const template = parseJobTemplate(fs.readFileSync('$root/templates/test-job.yaml', 'utf8'), 'default')
const job = (name: string) =>
  renderJob(template, {
    name, namespace: '$ns', image: '$image', args: [], env: { FIXTURE_FAIL: '1' },
    envFromSecrets: [], deadlineSeconds: 300
  })
const list = fs.readFileSync('$root/__fixtures__/gotest/test-list-shards.txt', 'utf8')
const groups = splitTests(parseTestList(list), 2)
const args = ['-test.v', '-test.coverprofile=/dev/stdout']
const docs = [indexedShardJob(job('indexed'), groups, args), ...shardJobs(job('jobs'), groups, args)]
fs.writeFileSync('$tmp/jobs.yaml', docs.map((d) => stringify(d)).join('---\n'))
TS
(cd "$root" && npx tsx "$tmp/render.mts")
kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
kubectl create namespace "$ns" >/dev/null
kubectl apply -f "$tmp/jobs.yaml" >/dev/null
kubectl -n "$ns" wait --for=condition=Failed job --all --timeout=180s >/dev/null
kubectl -n "$ns" get job indexed -o json >"$out/job-indexed-failed-indexes.json"
for i in 0 1; do
  pod=$(kubectl -n "$ns" get pods -l batch.kubernetes.io/job-name=indexed,batch.kubernetes.io/job-completion-index=$i -o name)
  kubectl -n "$ns" logs "$pod" >"$out/log-indexed-$i.txt"
done
kubectl -n "$ns" get pods -l batch.kubernetes.io/job-name=indexed,batch.kubernetes.io/job-completion-index=1 -o json |
  python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["items"][0], indent=4))' >"$out/pod-indexed-1.json"
for s in 1 2; do kubectl -n "$ns" logs "job/jobs-s$s" >"$tmp/jobs-s$s.txt"; done
# The same tests ran either way (the order of lines aside).
for i in 0 1; do
  diff <(grep -- '^--- ' "$out/log-indexed-$i.txt") <(grep -- '^--- ' "$tmp/jobs-s$((i + 1)).txt")
done
kubectl delete namespace "$ns" --wait=false >/dev/null
echo "captured job-indexed-failed-indexes.json, pod-indexed-1.json, log-indexed-{0,1}.txt"
