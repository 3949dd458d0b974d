#!/usr/bin/env bash
# npm run bench [name …]: runs bench/<name>.ts (all of them by default), each printing its table.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash scripts/install-testbed.sh
[ -d dist ] || npm run build
benches=("$@")
if [ ${#benches[@]} -eq 0 ]; then
  for f in bench/*.ts; do benches+=("$(basename "$f" .ts)"); done
fi
for b in "${benches[@]}"; do
  node --import tsx "bench/$b.ts"
done
