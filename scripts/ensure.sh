#!/usr/bin/env bash
# Brings a fresh clone to a runnable state: node modules, the bundles, and the real build stack with
# its local images. Each part is skipped when already current, so a re-run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not `npm ci`: the registry reachable here lacks rollup's other-platform packages, so the lock cannot
  # list them and `npm ci` refuses it. `npm install` installs the same locked versions.
  npm install --no-audit --no-fund --loglevel=error
fi
node scripts/build.mjs
bash scripts/setup-stack.sh
