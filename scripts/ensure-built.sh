#!/usr/bin/env bash
# Installs dependencies when node_modules is missing or older than the lock
# file, then builds (proto generation + TypeScript, both incremental).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "switchyard: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
npx --no-install turbo run build --output-logs=errors-only >&2
