# shellcheck shell=bash
# Helpers shared by the tools/docker scripts. Sourced, never run on its own.

# Everything the scripts build lives outside the work tree, so a fresh clone reuses it.
ENGRAM_DEPLOY_CACHE=${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}
export ENGRAM_DEPLOY_CACHE

log() { printf '[%s] %s\n' "${LOG_TAG:-docker}" "$*" >&2; }

die() {
  printf '[%s] ERROR: %s\n' "${LOG_TAG:-docker}" "$*" >&2
  exit 1
}

# Seconds since the epoch with sub-second precision (bash 5 builtin: no fork).
now() { printf '%s' "${EPOCHREALTIME}"; }

# since START: elapsed seconds with one decimal.
since() { awk -v s="$1" -v e="${EPOCHREALTIME}" 'BEGIN { printf "%.1fs", e - s }'; }

# report OUTCOME WHAT [DETAIL]: one line per artifact. ensure.sh collects these lines
# (through ENGRAM_DEPLOY_REPORT) to say what a run reused and what it built.
report() {
  local line
  line=$(printf '%-8s %-44s %s' "$1" "$2" "${3:-}")
  log "$line"
  if [[ -n ${ENGRAM_DEPLOY_REPORT:-} ]]; then
    printf '%s\n' "$line" >>"$ENGRAM_DEPLOY_REPORT"
  fi
}

# image_id IMAGE: the image's ID, empty when there is none.
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# drop_replaced_image OLD_ID: after a rebuild, removes the image it replaced when nothing
# names it any more (no tag; docker itself refuses while a container uses it), so
# rebuilds do not pile up untagged images.
drop_replaced_image() {
  [[ -n $1 ]] || return 0
  [[ $(docker image inspect -f '{{len .RepoTags}}' "$1" 2>/dev/null || true) == 0 ]] || return 0
  docker image rm "$1" >/dev/null 2>&1 || true
}

require_root() {
  [[ ${EUID} -eq 0 ]] || die "run as root: apt-get, dockerd and debootstrap need it"
}

# run_logged LOGFILE CMD...: keep long tool output out of the terminal, but show its
# tail when the command fails, so the failure explains itself.
run_logged() {
  local logfile=$1
  shift
  mkdir -p "$(dirname "$logfile")"
  if ! "$@" >"$logfile" 2>&1; then
    log "command failed: $*"
    tail -n 25 "$logfile" >&2 || true
    log "full log: $logfile"
    return 1
  fi
}

# debian_mirror [archive|security]: the first http(s) URI of the host's apt sources for
# the Debian archive (or its security archive). The images come from the mirror this
# machine is configured for, so no host name is ever written into the repository.
# ENGRAM_DEBIAN_MIRROR / ENGRAM_DEBIAN_SECURITY_MIRROR override it.
debian_mirror() {
  local want=${1:-archive}
  if [[ $want == archive && -n ${ENGRAM_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "${ENGRAM_DEBIAN_MIRROR%/}"
    return
  fi
  if [[ $want == security && -n ${ENGRAM_DEBIAN_SECURITY_MIRROR:-} ]]; then
    printf '%s\n' "${ENGRAM_DEBIAN_SECURITY_MIRROR%/}"
    return
  fi
  local files=() f
  for f in /etc/apt/sources.list.d/*.sources; do [[ -f $f ]] && files+=("$f"); done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [[ -f $f ]] && files+=("$f"); done
  ((${#files[@]})) || return 1
  local uri
  uri=$(awk -v want="$want" '
    function pick(types, uris, suites,   n, u, i) {
      if (found) return
      if (types !~ /(^|[ \t])deb([ \t]|$)/) return
      if ((want == "security") != (suites ~ /-security/)) return
      n = split(uris, u, /[ \t]+/)
      for (i = 1; i <= n; i++) if (u[i] ~ /^https?:\/\//) { print u[i]; found = 1; return }
    }
    function flush() { if (uris != "" && enabled != "no") pick(types, uris, suites); types = uris = suites = field = ""; enabled = "" }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^#/) next
      if ($0 ~ /^[ \t]/) { if (field == "uris") uris = uris " " $0; else if (field == "suites") suites = suites " " $0; next }
      key = tolower($0); sub(/:.*/, "", key)
      val = $0; sub(/^[^:]*:[ \t]*/, "", val)
      field = key
      if (key == "types") types = val
      else if (key == "uris") uris = val
      else if (key == "suites") suites = val
      else if (key == "enabled") enabled = tolower(val)
      next
    }
    /^[ \t]*deb[ \t]/ {
      line = $0; sub(/\[[^]]*\]/, "", line)
      split(line, w, /[ \t]+/)
      i = (w[1] == "") ? 2 : 1
      pick(w[i], w[i + 1], w[i + 2])
    }
    END { flush() }
  ' "${files[@]}" | head -n 1)
  [[ -n $uri ]] || return 1
  printf '%s\n' "${uri%/}"
}

# apt_suite SUITE ARGS...: the host's apt pointed at Debian SUITE (its release, updates and
# security archive) through a state of its own under the cache, with an empty package
# database: the host's sources and packages stay untouched, and `install --download-only`
# fetches a whole dependency closure. apt_suite_update SUITE writes the sources and
# refreshes the package lists first.
apt_suite() { apt_suite_run apt-get "$@"; }

# apt_suite_cache SUITE ARGS...: apt-cache on the same state as apt_suite.
apt_suite_cache() { apt_suite_run apt-cache "$@"; }

apt_suite_run() {
  local tool=$1 dir=$ENGRAM_DEPLOY_CACHE/apt-$2
  shift 2
  "$tool" -q -o Dir::State="$dir/state" -o Dir::State::status="$dir/status" \
    -o Dir::Cache="$dir/cache" -o Dir::Etc::SourceList="$dir/sources.list" \
    -o Dir::Etc::SourceParts="$dir/none" -o Dir::Etc::Preferences="$dir/none" \
    -o Dir::Etc::PreferencesParts="$dir/none" -o APT::Architecture="$(dpkg --print-architecture)" \
    -o APT::Sandbox::User=root "$@"
}

apt_suite_update() {
  local suite=$1 dir=$ENGRAM_DEPLOY_CACHE/apt-$1 mirror security
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mirror=$(debian_mirror archive) || die "no Debian archive URI in /etc/apt/sources*; set ENGRAM_DEBIAN_MIRROR"
  security=$(debian_mirror security || true)
  mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
  : >"$dir/status"
  {
    printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$suite"
    printf 'deb [signed-by=%s] %s %s-updates main\n' "$keyring" "$mirror" "$suite"
    if [[ -n $security ]]; then printf 'deb [signed-by=%s] %s %s-security main\n' "$keyring" "$security" "$suite"; fi
  } >"$dir/sources.list"
  run_logged "$ENGRAM_DEPLOY_CACHE/logs/apt-$suite-update.log" apt_suite "$suite" update
}
