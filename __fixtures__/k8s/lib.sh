# Sourced by the capture scripts: a one-container Job shaped like the action's (backoffLimit 0,
# restartPolicy Never, container "tests"), and a wait on a jsonpath. They use $ns. The fixtures
# go to $out: this folder, or FIXTURES_OUT to try a script without touching the committed ones.
out=${FIXTURES_OUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
mkdir -p "$out"

fixture_job() { # name image deadline-seconds memory [command-yaml] [env-yaml] [pull-policy]
  kubectl -n "$ns" delete job "$1" --ignore-not-found --wait=true >/dev/null
  cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: batch/v1
kind: Job
metadata: {name: $1, namespace: $ns, labels: {app.kubernetes.io/managed-by: in-cluster-test}}
spec:
  backoffLimit: 0
  activeDeadlineSeconds: $3
  template:
    spec:
      restartPolicy: Never
      enableServiceLinks: false
      containers:
        - name: tests
          image: $2
          imagePullPolicy: ${7:-IfNotPresent}
          command: ${5:-null}
          env: ${6:-[]}
          resources: {requests: {memory: $4, cpu: 50m}, limits: {memory: $4}}
YAML
}

sh_command() { printf "[sh, -c, '%s']" "$1"; } # a script without single quotes

pod_of() { kubectl -n "$ns" get pods -l "job-name=$1" -o jsonpath='{.items[0].metadata.name}'; }

until_jsonpath() { # seconds kind/name jsonpath regex
  for _ in $(seq 1 "$1"); do
    if kubectl -n "$ns" get "$2" -o jsonpath="$3" 2>/dev/null | grep -Eq "$4"; then return 0; fi
    sleep 1
  done
  echo "$(basename "$0"): $2 never matched $4" >&2
  return 1
}
