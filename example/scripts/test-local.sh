#!/usr/bin/env bash
# Runs the example's tests against a real, throwaway PostgreSQL on this machine (Debian's
# postgresql package, installed when missing). The integration tests run three times, as a
# compiled test binary like in the cluster: passing (with a coverage line), with EXAMPLE_FAIL=1
# (must fail, at the deliberate test's file:line), and with no database (must say so clearly).
# CAPTURE=1 also saves those outputs as parser fixtures in __fixtures__/gotest/example-*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
example=$PWD

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "test-local: installing PostgreSQL from apt"
  # As root, or through sudo without a password (GitHub's runner user has it).
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "test-local: PostgreSQL is missing; install it (apt-get install postgresql) or run as root" >&2; exit 1; }
    as_root=(sudo -n)
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

tmp=$(mktemp -d /tmp/example-pg.XXXXXX)
chmod 755 "$tmp"
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
stop() {
  run_pg "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="local-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
run_pg "$pg_bin/initdb" -D "$tmp/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
run_pg psql -h "$tmp" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE workflows LOGIN PASSWORD '$password'" -c "CREATE DATABASE workflows OWNER workflows"
echo "test-local: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$port POSTGRES_USER=workflows POSTGRES_PASSWORD=$password POSTGRES_DB=workflows
export JWT_SECRET=local-test-secret-0123456789

go vet ./...
go test -count=1 -cover ./internal/...

bin=$tmp/integration.test
CGO_ENABLED=0 go test -c -cover -covermode=atomic -coverpkg=./... -o "$bin" ./tests/integration
capture() { if [ "${CAPTURE:-}" = 1 ]; then sed -e "s#$example/#/src/#g" "$1" >"$example/../__fixtures__/gotest/$2"; fi; }

echo "test-local: passing run"
(cd tests/integration && "$bin" -test.v -test.count=1) | tee "$tmp/pass.txt"
grep -q '^coverage: [0-9.]*% of statements' "$tmp/pass.txt" || { echo "test-local: no coverage line" >&2; exit 1; }
capture "$tmp/pass.txt" example-pass.txt

echo "test-local: EXAMPLE_FAIL=1 must fail at the deliberate test"
set +e
(cd tests/integration && EXAMPLE_FAIL=1 "$bin" -test.v -test.count=1) >"$tmp/fail.txt" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] || ! grep -q -- '--- FAIL: TestDeliberateFailure' "$tmp/fail.txt" ||
  ! grep -q 'Error Trace:.*workflow_integration_test.go:[0-9]' "$tmp/fail.txt"; then
  cat "$tmp/fail.txt"
  echo "test-local: the deliberate failure was not reported (exit $code)" >&2
  exit 1
fi
capture "$tmp/fail.txt" example-fail.txt

echo "test-local: no database must fail with a clear message"
set +e
(cd tests/integration && POSTGRES_PORT=1 POSTGRES_WAIT=1s "$bin" -test.v) >"$tmp/nodb.txt" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] || ! grep -q 'cannot reach PostgreSQL at 127.0.0.1:1' "$tmp/nodb.txt"; then
  cat "$tmp/nodb.txt"
  echo "test-local: an unreachable database was not reported clearly (exit $code)" >&2
  exit 1
fi
capture "$tmp/nodb.txt" example-nodb.txt
echo "test-local: all example checks passed"
