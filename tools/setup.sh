#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine: the pinned pnpm and the locked dependencies.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  npm install --global --no-fund --no-audit "pnpm@${pnpm_version}"
fi
pnpm install --frozen-lockfile --reporter=append-only
