#!/usr/bin/env bash
# Installs and starts a local Docker engine with BuildKit, plus the buildx and Compose v2
# CLI plugins (Debian trixie's packages) and a Dockerfile frontend (built from the Go module
# proxy), on a machine that reaches Debian's packages and the Go module proxy but no
# container registry. Idempotent: when everything is in place a run only checks (seconds).
#
#   tools/docker/install-engine.sh
#
# Caches under ${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}; see README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

LOG_TAG=install-engine
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../go-build.sh
. "$(dirname "${BASH_SOURCE[0]}")/../go-build.sh"

# The buildx and Compose v2 CLI plugins come prebuilt from Debian trixie's docker-buildx and
# docker-compose packages (static binaries that need only glibc): building them from the Go
# module proxy cost about 13 minutes of a cold run on two cores.
PLUGIN_SUITE=trixie
PLUGIN_PACKAGES=(docker-buildx docker-compose)
# The Dockerfile frontend is built from this BuildKit release: the engine's own frontend
# (Debian's engine 20.10 embeds BuildKit 0.8) predates heredocs, COPY --link and
# RUN --network, and no registry can serve `# syntax=docker/dockerfile:1` here.
BUILDKIT_VERSION=v0.34.2

APT_PACKAGES=(docker.io debootstrap iptables ca-certificates debian-archive-keyring gpgv jq)

CACHE=$ENGRAM_DEPLOY_CACHE
PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
FRONTEND_IMAGE=localhost/engram-dockerfile-frontend:$BUILDKIT_VERSION
# Tagged as well, so the standard `# syntax=docker/dockerfile:1` line resolves to the
# local frontend: the engine's BuildKit prefers a local image over pulling.
FRONTEND_ALIAS=docker/dockerfile:1
PROBE_IMAGE=localhost/engram-buildkit-probe:busybox
RECIPE_LABEL=engram.deploy.recipe
RUN_TMP=

apt_get() {
  # Wait for other apt users instead of failing on the dpkg lock.
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 "$@"
}

ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) == installed ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    report reused "apt packages" "${APT_PACKAGES[*]}"
    return
  fi
  local start
  start=$(now)
  log "installing ${missing[*]}"
  # `apt-get update` only when installing fails: on a fresh machine the lists are missing
  # or name versions the mirror no longer serves; otherwise it is a wasted round trip.
  if ! apt_get install -y --no-install-recommends "${missing[@]}" >"$CACHE/logs/apt-install.log" 2>&1; then
    log "refreshing the package lists and retrying"
    run_logged "$CACHE/logs/apt-update.log" apt_get update
    run_logged "$CACHE/logs/apt-install.log" apt_get install -y --no-install-recommends "${missing[@]}"
  fi
  report installed "apt packages" "${missing[*]} ($(since "$start"))"
}

engine_version() { docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null; }

# daemon_pid FILE NAME: prints the pid in the pid file a daemon (dockerd, its containerd) wrote
# itself, when it is a running (not zombie) NAME. The processes the harness spawns itself are
# supervised by pid and start time instead (tools/kube/lib.sh: record_spawn, live_pid).
daemon_pid() {
  local pid state
  pid=$(cat "$1" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == "$2" ]] || return 1
  state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  [[ -n $state && $state != Z ]] || return 1
  printf '%s\n' "$pid"
}

# wait_for_engine PID START: until the engine answers, for at most 60 s.
wait_for_engine() {
  local pid=$1 start=$2 i
  for ((i = 0; i < 120; i++)); do
    if docker info >/dev/null 2>&1; then
      report started "docker engine" "$(engine_version), pid $pid ($(since "$start"))"
      return
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 25 "$CACHE/logs/dockerd.log" >&2 || true
      die "dockerd exited during start-up (log: $CACHE/logs/dockerd.log)"
    fi
    sleep 0.5
  done
  die "dockerd did not answer within 60s (log: $CACHE/logs/dockerd.log)"
}

close_inherited_fds() {
  local fd
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
}

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then
    report reused "docker engine" "$(engine_version)"
    return
  fi
  local start pid
  start=$(now)
  if pid=$(daemon_pid /var/run/docker.pid dockerd); then
    log "dockerd $pid is running but not answering yet: waiting for it"
    wait_for_engine "$pid" "$start"
    return
  fi
  # A killed dockerd (CI starts after everything left running was killed) leaves pid
  # files behind, and dockerd refuses to start while its file names a process.
  daemon_pid /var/run/docker.pid dockerd >/dev/null || rm -f /var/run/docker.pid
  daemon_pid /var/run/docker/containerd/containerd.pid containerd >/dev/null ||
    rm -f /var/run/docker/containerd/containerd.pid
  # These machines run no init system, so nothing starts the docker.io service: run
  # dockerd ourselves, detached with setsid so it outlives this script and its terminal.
  log "starting dockerd (log: $CACHE/logs/dockerd.log)"
  (
    # dockerd must not inherit this script's other open files: a caller's lock (ensure.sh
    # holds one) or a test runner's pipes would stay open as long as the engine runs.
    close_inherited_fds
    exec setsid dockerd >>"$CACHE/logs/dockerd.log" 2>&1 </dev/null
  ) &
  pid=$!
  wait_for_engine "$pid" "$start"
}

# The CLI found first in PATH must load plugins (buildx is what makes `docker build` use
# BuildKit) and negotiate the API version down to the engine's. The docker CLI 28 does
# both: it talks API 1.41 to Debian's engine 20.10 by itself, so DOCKER_API_VERSION
# stays unset (pinning it would only stop the negotiation).
check_cli() {
  local client api
  client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || true)
  api=$(docker version --format '{{.Client.APIVersion}}' 2>/dev/null || true)
  [[ -n $client ]] || die "no docker CLI in PATH"
  if [[ ${client%%.*} -lt 23 ]]; then
    log "warning: $(command -v docker) is docker CLI $client; with it, builds need DOCKER_BUILDKIT=1 (a CLI >= 23 uses buildx by default)"
  fi
  report checked "docker CLI" "$(command -v docker) $client, talking API $api"
}

# build_go_binary NAME VERSION MODULE PACKAGE LDFLAGS TAGS: prints the path of a cached
# binary, building it from the Go module proxy the first time. The cache is keyed by
# version, so bumping a pin above builds the new release and keeps the old one.
build_go_binary() {
  local name=$1 version=$2 module=$3 pkg=$4 ldflags=$5 tags=$6
  local out="$CACHE/bin/$name-$version"
  if [[ -x $out ]]; then
    report reused "$name $version" "$out"
    printf '%s\n' "$out"
    return
  fi
  local go start tmpdir logfile="$CACHE/logs/build-$name-$version.log"
  go=$(find_go)
  start=$(now)
  tmpdir=$(mktemp -d "$RUN_TMP/$name.XXXXXX")
  log "building $name $version from $module (log: $logfile)"
  # The copy built below is no VCS checkout.
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
  # `go install module/pkg@version` is the short way, but Go refuses it for modules whose
  # go.mod has replace or exclude directives (Compose and BuildKit have them). Then:
  # download the module, copy it out of the read-only module cache and build in the copy,
  # which honours its go.mod exactly as the project's own build does.
  if ! CGO_ENABLED=0 GOGC=$GO_BUILD_GOGC GOBIN="$tmpdir" "$go" install -trimpath -tags "$tags" -ldflags "$ldflags" \
    "$module/$pkg@$version" >"$logfile" 2>&1; then
    if ! grep -q -E 'replace|exclude' "$logfile"; then
      tail -n 25 "$logfile" >&2
      die "building $name failed (log: $logfile)"
    fi
    local moddir src="$tmpdir/src"
    moddir=$("$go" mod download -json "$module@$version" | jq -r .Dir)
    [[ -d $moddir ]] || die "go mod download $module@$version gave no directory"
    cp -R "$moddir" "$src"
    chmod -R u+w "$src"
    (cd "$src" && CGO_ENABLED=0 GOGC=$GO_BUILD_GOGC "$go" build -trimpath -tags "$tags" -ldflags "$ldflags" \
      -o "$tmpdir/$(basename "$pkg")" "./$pkg") >>"$logfile" 2>&1 || {
      tail -n 25 "$logfile" >&2
      die "building $name failed (log: $logfile)"
    }
  fi
  mv "$tmpdir/$(basename "$pkg")" "$out"
  rm -rf "$tmpdir"
  report built "$name $version" "$out ($(since "$start"))"
  printf '%s\n' "$out"
}

install_plugin() {
  local binary=$1 name=$2
  mkdir -p "$PLUGIN_DIR"
  if cmp -s "$binary" "$PLUGIN_DIR/$name"; then
    return
  fi
  install -m 0755 "$binary" "$PLUGIN_DIR/$name"
  report installed "$name" "$PLUGIN_DIR/$name"
}

# debian_plugin PACKAGE: prints the path of the CLI plugin that Debian's PACKAGE ships,
# downloading the package the first time (cached by package version).
debian_plugin() {
  local package=$1 version deb out work
  version=$(apt_suite_cache "$PLUGIN_SUITE" show --no-all-versions "$package" 2>/dev/null | sed -n 's/^Version: //p')
  [[ -n $version ]] || die "$PLUGIN_SUITE has no package $package"
  out="$CACHE/bin/$package-${version//[^A-Za-z0-9.+-]/_}"
  if [[ -x $out ]]; then
    report reused "$package $version" "$out"
    printf '%s\n' "$out"
    return
  fi
  work=$(mktemp -d "$RUN_TMP/$package.XXXXXX")
  (cd "$work" && run_logged "$CACHE/logs/apt-$package.log" apt_suite "$PLUGIN_SUITE" download "$package") ||
    die "could not download $package from $PLUGIN_SUITE"
  deb=$(find "$work" -name "${package}_*.deb" -print -quit)
  dpkg-deb -x "$deb" "$work/root"
  install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/$package" "$out"
  rm -rf "$work"
  report fetched "$package $version" "$out (Debian $PLUGIN_SUITE)"
  printf '%s\n' "$out"
}

ensure_plugins() {
  local package
  apt_suite_update "$PLUGIN_SUITE"
  for package in "${PLUGIN_PACKAGES[@]}"; do
    install_plugin "$(debian_plugin "$package")" "$package"
  done
  docker buildx version >/dev/null 2>&1 || die "docker buildx does not run (plugin dir: $PLUGIN_DIR)"
  docker compose version >/dev/null 2>&1 || die "docker compose does not run (plugin dir: $PLUGIN_DIR)"
}

image_recipe() { docker image inspect -f "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true; }

# A Dockerfile frontend image built from source, in the layout of the published
# docker/dockerfile image (a static binary and the labels the gateway reads).
ensure_frontend_image() {
  local recipe old=
  recipe=$(printf '%s\n' "$BUILDKIT_VERSION" "$(declare -f ensure_frontend_image)" | sha256sum | cut -c1-16)
  if [[ $(image_recipe "$FRONTEND_IMAGE") == "$recipe" ]]; then
    report reused "$FRONTEND_IMAGE"
  else
    local bin start root
    old=$(image_id "$FRONTEND_IMAGE")
    bin=$(build_go_binary dockerfile-frontend "$BUILDKIT_VERSION" github.com/moby/buildkit \
      frontend/dockerfile/cmd/dockerfile-frontend "-s -w -X main.Version=$BUILDKIT_VERSION" "netgo static_build osusergo")
    start=$(now)
    root=$(mktemp -d "$RUN_TMP/frontend.XXXXXX")
    install -D -m 0755 "$bin" "$root/bin/dockerfile-frontend"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -c . | docker import \
      --change 'LABEL moby.buildkit.frontend.network.none="true"' \
      --change 'LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd"' \
      --change "LABEL org.opencontainers.image.source=github.com/moby/buildkit org.opencontainers.image.version=$BUILDKIT_VERSION $RECIPE_LABEL=$recipe" \
      --change 'ENTRYPOINT ["/bin/dockerfile-frontend"]' \
      - "$FRONTEND_IMAGE" >/dev/null
    rm -rf "$root"
    report built "$FRONTEND_IMAGE" "($(since "$start"))"
  fi
  # Never shadow a docker/dockerfile:1 that came from elsewhere (a pull on a networked
  # machine): only tag it when absent or when it is one of ours.
  local alias_id
  alias_id=$(image_id "$FRONTEND_ALIAS")
  if [[ -z $alias_id || -n $(image_recipe "$FRONTEND_ALIAS") ]]; then
    if [[ $alias_id != "$(image_id "$FRONTEND_IMAGE")" ]]; then
      docker tag "$FRONTEND_IMAGE" "$FRONTEND_ALIAS"
      report tagged "$FRONTEND_ALIAS" "-> $FRONTEND_IMAGE"
    fi
  else
    log "keeping the existing $FRONTEND_ALIAS (not built here)"
  fi
  drop_replaced_image "$old"
}

# A busybox image from Debian's busybox-static package: just enough of a shell to prove
# the build features below, without depending on any other image.
ensure_probe_image() {
  local recipe
  recipe=$(declare -f ensure_probe_image | sha256sum | cut -c1-16)
  if [[ $(image_recipe "$PROBE_IMAGE") == "$recipe" ]]; then
    return
  fi
  local work deb old
  old=$(image_id "$PROBE_IMAGE")
  work=$(mktemp -d "$RUN_TMP/probe.XXXXXX")
  mkdir -p "$CACHE/debs"
  deb=$(find "$CACHE/debs" -name 'busybox-static_*.deb' -print -quit)
  if [[ -z $deb ]]; then
    (cd "$CACHE/debs" && apt_get download busybox-static >/dev/null 2>&1) ||
      { run_logged "$CACHE/logs/apt-update.log" apt_get update && (cd "$CACHE/debs" && apt_get download busybox-static >/dev/null); }
    deb=$(find "$CACHE/debs" -name 'busybox-static_*.deb' -print -quit)
  fi
  dpkg-deb -x "$deb" "$work/root"
  # bookworm ships /bin/busybox, later releases /usr/bin/busybox.
  local busybox
  busybox=$(cd "$work/root" && find bin usr/bin -maxdepth 1 -name busybox -print -quit 2>/dev/null)
  [[ -n $busybox ]] || die "no busybox binary in $deb"
  mkdir -p "$work/root/bin" "$work/root/tmp"
  chmod 1777 "$work/root/tmp"
  local applet
  for applet in sh cat date echo find sort tr wc; do
    [[ -e $work/root/bin/$applet ]] || ln -s "/$busybox" "$work/root/bin/$applet"
  done
  tar --numeric-owner --owner=0 --group=0 -C "$work/root" -c . |
    docker import --change 'ENV PATH=/bin' --change "LABEL $RECIPE_LABEL=$recipe" - "$PROBE_IMAGE" >/dev/null
  rm -rf "$work"
  drop_replaced_image "$old"
}

# probe_build WORKDIR: builds WORKDIR/deployments/docker/Dockerfile with WORKDIR as the
# context, the way the project's image is built, and prints the build log.
probe_build() {
  local out
  # type=cacheonly: the probe needs the build, not an image.
  # `docker buildx build`, not `docker build`: whichever docker CLI comes first in PATH (Nx puts
  # node's /usr/bin, and so Debian's CLI 20.10, before /usr/local/bin), buildx drives the build.
  if ! out=$(cd "$1" && docker buildx build --progress=plain --output type=cacheonly \
    --build-arg "PROBE_RUN=$(now)" -f deployments/docker/Dockerfile . 2>&1); then
    printf '%s\n' "$out" | tail -n 30 >&2
    die "BuildKit probe build failed"
  fi
  printf '%s\n' "$out"
}

# check_probe_log FRONTEND LOG: the build went through buildx's docker driver and its
# context lacked what Dockerfile.dockerignore excludes; prints the cache mount's run count.
# Only lines of the form "#STEP SECONDS text" are a command's output: the step titles
# echo the command itself.
check_probe_log() {
  local frontend=$1 out=$2 context
  grep -q 'building with .* instance using docker driver' <<<"$out" ||
    die "docker build did not go through buildx's docker driver: $(head -n 3 <<<"$out")"
  context=$(sed -n 's/^#[0-9]* [0-9.]* context: //p' <<<"$out")
  case " $context " in
    *secrets* | *build.log*) die "$frontend frontend: Dockerfile.dockerignore was not honoured; context: $context" ;;
    *./src/main.txt*) ;;
    *) die "$frontend frontend: unexpected build context: $context" ;;
  esac
  sed -n 's/^#[0-9]* [0-9.]* cache-runs: *//p' <<<"$out"
}

# Proves, with the engine's BuildKit through buildx's "docker" driver (so images land in
# the engine's image store), that a Dockerfile in deployments/docker/ built with the
# repository root as context honours deployments/docker/Dockerfile.dockerignore, and that
# RUN --mount=type=cache keeps its content between builds: first with the engine's
# embedded frontend, then with `# syntax=docker/dockerfile:1` (the local frontend, with
# a heredoc the embedded one cannot parse). Cheap (seconds), so it runs every time.
verify_buildkit() {
  local start work out first second
  start=$(now)
  ensure_probe_image
  work=$(mktemp -d "$RUN_TMP/verify.XXXXXX")
  mkdir -p "$work/deployments/docker" "$work/secrets" "$work/src"
  printf 'kept\n' >"$work/src/main.txt"
  printf 'must not reach the build\n' >"$work/secrets/token"
  printf 'noise\n' >"$work/build.log"
  printf 'secrets\n*.log\n' >"$work/deployments/docker/Dockerfile.dockerignore"
  # A new PROBE_RUN value makes the RUN execute again, as a source change would; its cache
  # mount must still hold the earlier runs. (--no-cache would not prove it: BuildKit 0.8
  # hands such a build fresh cache mounts.)
  local body
  body=$(
    cat <<EOF
FROM $PROBE_IMAGE
COPY . /ctx
ARG PROBE_RUN
RUN --mount=type=cache,target=/cache,id=engram-buildkit-probe sh -c 'echo "\$PROBE_RUN" >>/cache/runs; echo "context: \$(cd /ctx && find . -type f | sort | tr "\n" " ")"; echo "cache-runs: \$(wc -l </cache/runs)"'
EOF
  )
  printf '%s\n' "$body" >"$work/deployments/docker/Dockerfile"
  out=$(probe_build "$work")
  first=$(check_probe_log embedded "$out")

  printf '# syntax=%s\n%s\n' "$FRONTEND_ALIAS" "$body" >"$work/deployments/docker/Dockerfile"
  cat >>"$work/deployments/docker/Dockerfile" <<'EOF'
RUN <<SH
echo "heredoc-ok"
SH
EOF
  out=$(probe_build "$work")
  second=$(check_probe_log "$FRONTEND_ALIAS" "$out")
  grep -q -E '^#[0-9]+ [0-9.]+ heredoc-ok' <<<"$out" || die "the $FRONTEND_ALIAS frontend did not run the heredoc"
  [[ -n $first && -n $second && $second -gt $first ]] ||
    die "RUN --mount=type=cache did not keep its content between builds ($first runs, then $second)"
  rm -rf "$work"
  report checked "BuildKit" "Dockerfile.dockerignore and cache mounts, engine and $FRONTEND_ALIAS frontends ($(since "$start"))"
}

# Compose v2 against the engine's API 1.41: a project with its own network and a
# one-off container, torn down again.
verify_compose() {
  local start out project=engram-compose-probe
  start=$(now)
  local spec
  spec=$(printf 'services:\n  probe:\n    image: %s\n    command: ["echo", "compose-probe-ok"]\n' "$PROBE_IMAGE")
  out=$(printf '%s\n' "$spec" | docker compose -p "$project" -f - run --rm probe 2>&1) || true
  printf '%s\n' "$spec" | docker compose -p "$project" -f - down --remove-orphans >/dev/null 2>&1 || true
  if [[ $out != *compose-probe-ok* ]]; then
    printf '%s\n' "$out" | tail -n 20 >&2
    die "docker compose could not run a container"
  fi
  report checked "Compose" "network, run, down ($(since "$start"))"
}

main() {
  require_root
  mkdir -p "$CACHE/bin" "$CACHE/logs" "$CACHE/tmp"
  # Scratch space for this run, removed however the run ends.
  RUN_TMP=$(mktemp -d "$CACHE/tmp/install-engine.XXXXXX")
  trap 'rm -rf "$RUN_TMP"' EXIT
  ensure_apt_packages
  ensure_dockerd
  check_cli
  ensure_plugins
  ensure_frontend_image
  verify_buildkit
  verify_compose
  log "$(docker buildx version)"
  log "$(docker compose version)"
}

main "$@"
