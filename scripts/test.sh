#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs and builds what it needs,
# runs every jest suite, and ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/ensure-built.sh || { echo "0 passed, 1 failed"; exit 1; }

# The servers the integration suites use (PostgreSQL, Redis, Kafka, InfluxDB, a Kubernetes API server for
# the chart, and Weaviate for the vector store), on loopback; the same addresses are exported for jest.
export SWITCHYARD_POSTGRES_URL="${SWITCHYARD_POSTGRES_URL:-postgres://switchyard:switchyard@127.0.0.1:55432/switchyard}"
export SWITCHYARD_REDIS_URL="${SWITCHYARD_REDIS_URL:-redis://127.0.0.1:56379}"
export SWITCHYARD_KAFKA_BROKERS="${SWITCHYARD_KAFKA_BROKERS:-127.0.0.1:59092}"
export SWITCHYARD_INFLUX_URL="${SWITCHYARD_INFLUX_URL:-http://127.0.0.1:58086}"
export SWITCHYARD_INFLUX_DATABASE="${SWITCHYARD_INFLUX_DATABASE:-switchyard}"
export SWITCHYARD_WEAVIATE_URL="${SWITCHYARD_WEAVIATE_URL:-http://127.0.0.1:58080}"
export SWITCHYARD_WEAVIATE_GRPC_ADDRESS="${SWITCHYARD_WEAVIATE_GRPC_ADDRESS:-127.0.0.1:58051}"
if ! ./scripts/services.sh up; then
  echo "the test servers did not start (scripts/services.sh up failed; its reason is above)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
# The test Weaviate answers only with its API key (its gRPC port cannot be bound to loopback).
SWITCHYARD_WEAVIATE_API_KEY="${SWITCHYARD_WEAVIATE_API_KEY:-$(./scripts/services.sh weaviate-api-key)}"
export SWITCHYARD_WEAVIATE_API_KEY

# Test code is type-checked too (the build compiles only what ships), and the contracts are linted.
typecheck_failed=0
if ! npx --no-install tsc -p tsconfig.test.json; then
  echo "type-check of the tests failed" >&2
  typecheck_failed=1
fi
if ! npx --no-install buf lint proto; then
  echo "buf lint of proto/ failed" >&2
  typecheck_failed=$((typecheck_failed + 1))
fi
# Lint (ESLint with type information) and formatting (Prettier), as `npm run lint` runs them; each counts
# as one failure, like the type-check, and jest still runs.
if ! npx --no-install eslint .; then
  echo "eslint found problems (npm run lint)" >&2
  typecheck_failed=$((typecheck_failed + 1))
fi
if ! npx --no-install prettier --check --log-level warn .; then
  echo "prettier --check found unformatted files (npm run format fixes them)" >&2
  typecheck_failed=$((typecheck_failed + 1))
fi

# The contracts stay compatible with those committed before (rules: README, "Events and records"): on a
# branch, with where it left main; on main, with the previous commit. A clone without that history
# (a shallow one) has nothing to compare with and says so rather than failing.
main_commit="$(git rev-parse -q --verify origin/main || git rev-parse -q --verify main || true)"
if [ -n "$main_commit" ] && [ "$(git rev-parse HEAD)" != "$main_commit" ]; then
  baseline="$(git merge-base HEAD "$main_commit" 2>/dev/null || true)"
else
  baseline="$(git rev-parse -q --verify 'HEAD~1' || true)"
fi
if [ -z "$baseline" ] || ! git cat-file -e "$baseline:proto/buf.yaml" 2>/dev/null; then
  echo "buf breaking skipped: this clone has no earlier proto/ to compare with (a shallow clone?)" >&2
else
  baseline_dir="$(mktemp -d -t switchyard-proto.XXXXXX)"
  if ! { git archive "$baseline" proto | tar -x -C "$baseline_dir" && npx --no-install buf breaking proto --against "$baseline_dir/proto"; }; then
    echo "buf breaking: proto/ is not compatible with proto/ at ${baseline:0:12}" >&2
    typecheck_failed=$((typecheck_failed + 1))
  fi
  rm -rf "$baseline_dir"
fi

report="$(mktemp -t switchyard-jest.XXXXXX.json)"
npx --no-install jest --ci --json --outputFile="$report" "$@"
status=$?
[ "$typecheck_failed" -eq 0 ] || status=1
node -e '
  const fs = require("fs");
  let passed = 0, failed = 1;
  try {
    const result = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    // A suite that could not run (a missing server, a syntax error) counts as a failure.
    const brokenSuites = result.testResults.filter((suite) => suite.status === "failed" && suite.assertionResults.length === 0).length;
    passed = result.numPassedTests;
    failed = result.numFailedTests + brokenSuites;
    if (result.numTotalTests === 0) failed = Math.max(failed, 1);
  } catch (error) {
    console.error("could not read the jest report: " + error.message);
  }
  failed += Number(process.argv[2]);
  console.log(passed + " passed, " + failed + " failed");
' "$report" "$typecheck_failed"
rm -f "$report"
exit $status
