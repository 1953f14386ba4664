# shellcheck shell=bash
# Sourced by every script that builds a Go program from the Go module proxy: where the toolchain
# is, and the settings every such build runs with.

# The compiler and linker collect garbage a quarter as often as by default. On two cores a cold
# build of the OCI registry took 101 and 107 s instead of 126 and 127 s; the memory this costs is
# there. ENGRAM_GO_BUILD_GOGC sets another value. Only builds get it, not the servers the scripts
# start. Read by the scripts that source this file.
# shellcheck disable=SC2034
GO_BUILD_GOGC=${ENGRAM_GO_BUILD_GOGC:-400}

# find_go: the go command. /usr/local/go/bin is where the official toolchain lands, and it is not
# always on PATH in non-login shells.
find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '%s\n' /usr/local/go/bin/go
  else
    printf 'go not found (on PATH or /usr/local/go/bin): the Go builds here need a Go toolchain\n' >&2
    return 1
  fi
}
