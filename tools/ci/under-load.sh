#!/usr/bin/env bash
# Runs a command while a bounded CPU hog keeps every core busy, to show that the command (CI above
# all) passes on a loaded machine, not only on a quiet one. The hog is one busy process per core at
# the command's own priority; it stops after --seconds or when the command ends, whichever is first.
#
#   tools/ci/under-load.sh [--seconds N] -- COMMAND [ARG...]     default: 1800 s of load
#   e.g. tools/ci/under-load.sh --seconds 2400 -- bash .ci/run
#
# Prints the load average when the hog stops, and exits with the command's status.
set -euo pipefail

seconds=1800
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
        echo "under-load: --seconds wants a whole number of seconds above 0, given '${2:-}'" >&2
        exit 2
      }
      seconds=$2
      shift 2
      ;;
    --)
      shift
      break
      ;;
    *)
      echo "under-load: unknown argument '$1'; usage: under-load.sh [--seconds N] -- COMMAND [ARG...]" >&2
      exit 2
      ;;
  esac
done
[[ $# -gt 0 ]] || {
  echo 'under-load: no command given; usage: under-load.sh [--seconds N] -- COMMAND [ARG...]' >&2
  exit 2
}

hogs=()
stop_hogs() {
  [[ ${#hogs[@]} -gt 0 ]] || return 0
  kill "${hogs[@]}" 2>/dev/null || true
  wait "${hogs[@]}" 2>/dev/null || true
  hogs=()
}
trap stop_hogs EXIT

cores=$(nproc)
for _ in $(seq "$cores"); do
  timeout "$seconds" sh -c 'while :; do :; done' &
  hogs+=("$!")
done
printf 'under-load: %s busy processes for at most %s s\n' "$cores" "$seconds" >&2

status=0
"$@" || status=$?
printf 'under-load: load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
stop_hogs
exit "$status"
