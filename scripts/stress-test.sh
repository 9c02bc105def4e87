#!/usr/bin/env bash
# The whole test suite (scripts/test.sh) while stress-ng keeps both CPU cores busy, N times in a row,
# stopping at the first run that fails: shows the tests hold under CPU contention (no timing
# assumptions, no races). Not part of .ci/run: one run takes several times as long as a normal one.
#
#   ./scripts/stress-test.sh [RUNS] [-- JEST_ARGS...]
#
# RUNS defaults to 3. Arguments after `--` go to jest through scripts/test.sh (e.g. a path filter).
# STRESS_CPU_WORKERS (default 2) sets how many busy workers stress-ng runs. stress-ng (Debian package
# `stress-ng`) is installed with apt-get when missing.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  runs="$1"
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [RUNS] [-- JEST_ARGS...]  (RUNS is a positive number, not \"$runs\")" >&2
  exit 2
fi
workers="${STRESS_CPU_WORKERS:-2}"

if ! command -v stress-ng >/dev/null 2>&1; then
  echo "stress-test: installing stress-ng (apt-get)" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq >&2 &&
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >&2 ||
    { echo "stress-test: could not install stress-ng" >&2; exit 1; }
fi

stress_pid=""
stop_stress() {
  if [ -n "$stress_pid" ]; then
    # stress-ng's parent stops its workers when it gets SIGTERM; the wait reaps it.
    kill -TERM "$stress_pid" 2>/dev/null
    wait "$stress_pid" 2>/dev/null
    stress_pid=""
  fi
}
trap stop_stress EXIT
trap 'stop_stress; exit 130' INT
trap 'stop_stress; exit 143' TERM

stress-ng --cpu "$workers" --quiet &
stress_pid=$!
echo "stress-test: stress-ng --cpu $workers running (pid $stress_pid); $runs run(s) of scripts/test.sh" >&2

status=0
for run in $(seq 1 "$runs"); do
  started=$SECONDS
  output="$(mktemp -t switchyard-stress.XXXXXX)"
  ./scripts/test.sh "$@" 2>&1 | tee "$output"
  status=${PIPESTATUS[0]}
  counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$output" | tail -1)"
  rm -f "$output"
  echo "stress-test: run $run of $runs: ${counts:-no counts printed}, $((SECONDS - started)) s, exit $status"
  if ! kill -0 "$stress_pid" 2>/dev/null; then
    echo "stress-test: stress-ng stopped during run $run; the run was not under contention" >&2
    status=1
  fi
  [ "$status" -eq 0 ] || break
done
stop_stress
exit "$status"
