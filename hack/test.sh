#!/usr/bin/env bash
# Runs every test: the packages with `go test`, and the end-to-end suite in two
# halves at once. Each half is the same test binary with its own control plane,
# kwok and scheduler (nothing binds a fixed port), so the longest disruption
# scenarios (the 200 -> 60 scale-down, drift across a launcher restart),
# which spend most of their time waiting for consolidation to settle, run
# beside the rest instead of after it. The halves are one regexp, run and
# skipped, so no test is left out.
set -euo pipefail
cd "$(dirname "$0")/.."

flags=${GO_TEST_FLAGS:--count=1}
timeout=${TEST_TIMEOUT:-40m}
e2e=test/integration/e2e
slow='^(TestScaleDown200To60ConvergesNearAFreshPlan|TestDriftedNodesAreReplacedAcrossALauncherRestart)$'
KUBEBUILDER_ASSETS=$(./hack/controlplane.sh)
export KUBEBUILDER_ASSETS

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/e2e.test" "./$e2e"

# half runs the e2e binary on the tests its flag selects, from the package's
# folder as go test would, and prints go test's summary line (with the figures
# the tests logged when they pass, the whole log when one fails).
half() {
  local name=$1 flag=$2 start=$SECONDS rc=0
  (cd "$e2e" && "$work/e2e.test" -test.v -test.count=1 -test.timeout="$timeout" "$flag=$slow") >"$work/$name.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    # The figures the tests log (costs, churn, settle times), which go test
    # prints only for failing tests.
    grep -E '^ +[a-z_]+_test\.go:[0-9]+: ' "$work/$name.log" | sed "s/^ */  ($name) /" || true
    echo "ok  	github.com/tailor-sh/tailor/$e2e ($name)	$((SECONDS - start))s"
  else
    cat "$work/$name.log"
    echo "FAIL	github.com/tailor-sh/tailor/$e2e ($name)	$((SECONDS - start))s"
  fi
  return "$rc"
}

half disruption -test.run &
slow_pid=$!
rc=0
go test $flags -timeout "$timeout" $(go list ./... | grep -v "/$e2e\$") || rc=$?
half rest -test.skip || rc=$?
wait "$slow_pid" || rc=$?
exit "$rc"
