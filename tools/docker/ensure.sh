#!/usr/bin/env bash
# The one entry point that CI, tests and developers call before anything builds or runs
# an Engram image here: installs and starts the Docker engine with BuildKit, buildx and
# Compose v2 (install-engine.sh), then builds the local base images
# (build-base-images.sh). Idempotent: with everything cached a run takes seconds.
#
#   tools/docker/ensure.sh            reuse what is cached
#   FORCE=1 tools/docker/ensure.sh    rebuild the base images
#
# Prints what it reused and what it built, with timings; exits non-zero, saying which
# step failed and where its logs are, when anything fails.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

LOG_TAG=ensure
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

require_root
mkdir -p "$ENGRAM_DEPLOY_CACHE/logs"

# Two runs at once (parallel test jobs) would race on apt, dockerd and image tags.
LOCK=$ENGRAM_DEPLOY_CACHE/ensure.lock
exec 9>"$LOCK"
if ! flock -n 9; then
  log "another ensure.sh is running; waiting for it (at most 30 minutes)"
  flock -w 1800 9 || die "$LOCK is still held after 30 minutes; a process holding it: $(fuser "$LOCK" 2>/dev/null || true)"
fi

ENGRAM_DEPLOY_REPORT=$(mktemp)
export ENGRAM_DEPLOY_REPORT
trap 'rm -f "$ENGRAM_DEPLOY_REPORT"' EXIT

TOTAL_START=$(now)
STEP_TIMES=()

run_step() {
  local script=$1 start
  start=$(now)
  if ! "$HERE/$script"; then
    printf '\n' >&2
    die "$script failed after $(since "$start"). The lines above say why; tool logs are in $ENGRAM_DEPLOY_CACHE/logs"
  fi
  STEP_TIMES+=("$(printf '%-24s %s' "$script" "$(since "$start")")")
}

run_step install-engine.sh
run_step build-base-images.sh

{
  printf '\nDocker toolchain for Engram ready in %s (cache: %s)\n' "$(since "$TOTAL_START")" "$ENGRAM_DEPLOY_CACHE"
  printf '  %s\n' "${STEP_TIMES[@]}"
  printf '\n'
  sed 's/^/  /' "$ENGRAM_DEPLOY_REPORT"
}
