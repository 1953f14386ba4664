#!/usr/bin/env bash
# Builds the Engram stand-in with the host's cargo and checks its runtime contract:
# command line, configuration, environment, HTTP API, persistence, signals and the
# fixture-only knobs. Talks only to 127.0.0.1; every wait and loop is bounded.
#
# Usage: tools/engram-standin/smoke.sh
#   CARGO="cargo +1.85" ...   build with another toolchain
#   CARGO_TARGET_DIR=...      where to build (default: ~/.cache/engram-deploy/engram-standin-target)
# Exits non-zero if any check fails.

set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CARGO="${CARGO:-cargo}"
TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/engram-deploy/engram-standin-target}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/engram-standin-smoke.XXXXXX")"
FAILURES=0
CHECKS=0
SERVER_PIDS=()

cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { CHECKS=$((CHECKS + 1)); echo "ok    $1"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "FAIL  $1"; }
# check NAME COMMAND...: passes when COMMAND succeeds.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# check_rc NAME EXPECTED COMMAND...: passes when COMMAND exits with EXPECTED.
check_rc() {
  local name=$1 expected=$2; shift 2
  "$@" >"$WORK/last.out" 2>"$WORK/last.err"
  local rc=$?
  if [ "$rc" = "$expected" ]; then pass "$name"; else
    fail "$name (exit $rc, expected $expected)"; sed 's/^/      /' "$WORK/last.err" | head -5
  fi
}
contains() { grep -q -- "$2" <<<"$1"; }

for tool in curl grep sed; do
  command -v "$tool" >/dev/null || { echo "smoke.sh needs $tool" >&2; exit 1; }
done

# ---------------------------------------------------------------- build
echo "== building (default features) with: $CARGO"
(cd "$HERE" && $CARGO build --release --bin engram --target-dir "$TARGET_DIR") || { echo "build failed" >&2; exit 1; }
BIN="$TARGET_DIR/release/engram"
(cd "$HERE" && $CARGO test --quiet --workspace --target-dir "$TARGET_DIR" >"$WORK/unit.log" 2>&1)
check "unit tests pass" test $? = 0

echo "== building (--no-default-features --features spreading-extras, target-cpu x86-64-v2)"
ALT_TARGET="$TARGET_DIR/alternative"
ALT_RUSTFLAGS=""
if [ "$(uname -m)" = x86_64 ] && grep -qw sse4_2 /proc/cpuinfo; then
  ALT_RUSTFLAGS="-C target-cpu=x86-64-v2"
fi
(cd "$HERE" && RUSTFLAGS="$ALT_RUSTFLAGS" ENGRAM_TARGET_CPU=x86-64-v2 \
  $CARGO build --release --bin engram --no-default-features --features spreading-extras \
  --target-dir "$ALT_TARGET") || { echo "alternative build failed" >&2; exit 1; }
ALT_BIN="$ALT_TARGET/release/engram"

if command -v ldd >/dev/null; then
  check "default build links libhwloc.so.15" grep -q 'libhwloc.so.15' <(ldd "$BIN")
  check "--no-default-features build does not link libhwloc" bash -c "! ldd '$ALT_BIN' | grep -q hwloc"
fi

# ---------------------------------------------------------------- helpers
mkdir -p "$WORK/cfg/engram"
cat >"$WORK/cfg/engram/config.toml" <<'EOF'
# smoke test configuration
[server]
http_bind = "127.0.0.1"
unknown_key = "ignored"

[memory_spaces]
default_space = "default"
bootstrap_spaces = [
  "alpha1",
  "beta22",   # trailing comma
]

[not_an_engram_section]
anything = [1, 2.5, "x"]
EOF

# instance_env NAME: the environment of instance NAME (own data dir and PID file).
instance_env() {
  echo "XDG_CONFIG_HOME=${CFG:-$WORK/cfg}" "ENGRAM_DATA_DIR=$WORK/$1/data" \
    "ENGRAM_PID_PATH=$WORK/$1/engram.pid" "ENGRAM_STANDIN_STARTUP_DELAY_MS=${DELAY:-100}"
}

# start NAME [VAR=value ...] -- ARGS...: starts a server in the background.
start() {
  local name=$1; shift
  local extra=()
  while [ "$1" != "--" ]; do extra+=("$1"); shift; done; shift
  mkdir -p "$WORK/$name"
  # shellcheck disable=SC2046
  env $(instance_env "$name") "${extra[@]}" "${SERVER_BIN:-$BIN}" "$@" >"$WORK/$name/log" 2>&1 &
  echo $! >"$WORK/$name/pid"
  SERVER_PIDS+=($!)
}

# wait_ready NAME: waits (at most 15 s) for the HTTP line; prints the HTTP port.
wait_ready() {
  for _ in $(seq 1 150); do
    if grep -q "HTTP server listening on" "$WORK/$1/log" 2>/dev/null; then
      sed -n 2p "$WORK/$1/engram.pid"; return 0
    fi
    if ! kill -0 "$(cat "$WORK/$1/pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "instance $1 did not start:" >&2; sed 's/^/      /' "$WORK/$1/log" >&2
  return 1
}

# stop NAME SIGNAL: sends SIGNAL and waits (at most 10 s) for the server to exit;
# sets EXIT_STATUS ("timeout" if it did not exit).
stop() {
  kill -"$2" "$(cat "$WORK/$1/pid")" 2>/dev/null
  wait_exit "$1"
}

# wait_exit NAME: waits (at most 10 s) for the server to exit; sets EXIT_STATUS.
# Not to be called in $(...): only this shell can wait for its children.
wait_exit() {
  local pid; pid=$(cat "$WORK/$1/pid")
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then EXIT_STATUS=timeout; return; fi
  wait "$pid" 2>/dev/null
  EXIT_STATUS=$?
}

# cli NAME ARGS...: runs a client command against instance NAME.
# shellcheck disable=SC2046 # instance_env prints words without spaces
cli() { local name=$1; shift; env $(instance_env "$name") "$BIN" "$@"; }

url() { echo "http://127.0.0.1:$1$2"; }
http_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
remember() { # remember PORT JSON
  curl -s -m 5 -X POST -H 'Content-Type: application/json' -d "$2" "$(url "$1" /api/v1/memories/remember)"
}

# ---------------------------------------------------------------- command line
echo "== command line"
check_rc "--http-port is an unknown flag (exit 2)" 2 cli cl start --http-port 8080
check "  ... with clap's message" grep -q "unexpected argument '--http-port' found" "$WORK/last.err"
check_rc "--log-level after the subcommand is an error (exit 2)" 2 cli cl start --log-level debug
check_rc "unknown global flag (exit 2)" 2 cli cl --verbose status
check_rc "invalid --log-level value (exit 2)" 2 cli cl --log-level loud status
check_rc "non-numeric --port (exit 2)" 2 cli cl start --port http
check_rc "no subcommand (exit 2)" 2 cli cl
check_rc "unknown subcommand (exit 2)" 2 cli cl serve
check_rc "--help (exit 0)" 0 cli cl --help
check_rc "--version (exit 0)" 0 cli cl --version

# ---------------------------------------------------------------- configuration
echo "== configuration"
check_rc "no XDG_CONFIG_HOME and no HOME: every command fails (exit 1)" 1 \
  env -u XDG_CONFIG_HOME -u HOME ENGRAM_PID_PATH="$WORK/none.pid" "$BIN" status
check_rc "  ... start too" 1 env -u XDG_CONFIG_HOME -u HOME ENGRAM_PID_PATH="$WORK/none.pid" "$BIN" start
mkdir -p "$WORK/home/.config/engram"
printf '[server]\nhttp_bind = "10.1.2.3"\n' >"$WORK/home/.config/engram/config.toml"
check_rc "HOME fallback: \$HOME/.config/engram/config.toml is read" 0 \
  env -u XDG_CONFIG_HOME HOME="$WORK/home" ENGRAM_PID_PATH="$WORK/none.pid" "$BIN" validate config
check "  ... (it names that file)" grep -q "$WORK/home/.config/engram/config.toml" "$WORK/last.out"

mkdir -p "$WORK/badcfg/engram"
printf '[server\nhttp_bind = "0.0.0.0"\n' >"$WORK/badcfg/engram/config.toml"
for command in "status" "space list" "validate config" "benchmark latency" "start --port 0"; do
  # shellcheck disable=SC2086 # the command is split into its words on purpose
  check_rc "invalid TOML: '$command' exits 1" 1 env XDG_CONFIG_HOME="$WORK/badcfg" \
    ENGRAM_PID_PATH="$WORK/bad/engram.pid" ENGRAM_DATA_DIR="$WORK/bad/data" "$BIN" $command
done
check "  ... with the line of the error" grep -q "line 1" "$WORK/last.err"
printf '[server]\nhttp_bind = 7432\n' >"$WORK/badcfg/engram/config.toml"
check_rc "wrong type for a known key: exit 1" 1 env XDG_CONFIG_HOME="$WORK/badcfg" "$BIN" status

printf '[memory_spaces]\nbootstrap_spaces = ["ok42", "Not-Valid"]\n' >"$WORK/spaces.toml"
check_rc "validate config --file rejects a bad space id" 1 cli cl validate config --file "$WORK/spaces.toml"
check_rc "validate config --file on a missing file fails" 1 cli cl validate config --file "$WORK/missing.toml"
check_rc "validate config accepts the smoke configuration" 0 cli cl validate config
check_rc "validate config --file accepts a good file" 0 cli cl validate config --file "$WORK/cfg/engram/config.toml"

# ---------------------------------------------------------------- without a server
echo "== client commands without a server"
mkdir -p "$WORK/none"
check_rc "status exits 0 with no server" 0 cli none status
check "  ... and says it is not running" grep -q "not running" "$WORK/last.out"
check_rc "status --json exits 0 with no server" 0 cli none status --json
printf '%s\n1\n' "$$" >"$WORK/none/engram.pid"
check_rc "status exits 0 when the server does not answer" 0 cli none status
check_rc "space list fails when the server is unreachable" 1 cli none space list
check_rc "benchmark fails without a server" 1 cli none benchmark latency

# ---------------------------------------------------------------- fatal start errors
echo "== fatal start errors"
# shellcheck disable=SC2046 # instance_env prints words without spaces
check_rc "unwritable PID file is fatal (exit 1)" 1 \
  env $(instance_env pidfail) ENGRAM_PID_PATH="$WORK/no/such/dir/engram.pid" "$BIN" start --port 0 --grpc-port 0
touch "$WORK/plainfile"
# shellcheck disable=SC2046
check_rc "uncreatable data dir is fatal (exit 1)" 1 \
  env $(instance_env datafail) ENGRAM_DATA_DIR="$WORK/plainfile/data" "$BIN" start --port 0 --grpc-port 0
check "  ... and its PID file is removed" test ! -e "$WORK/datafail/engram.pid"
mkdir -p "$WORK/badspace/engram"
printf '[memory_spaces]\nbootstrap_spaces = ["BAD"]\n' >"$WORK/badspace/engram/config.toml"
# shellcheck disable=SC2046
check_rc "invalid bootstrap space id is fatal at start (exit 1)" 1 \
  env $(instance_env badspace) XDG_CONFIG_HOME="$WORK/badspace" "$BIN" start --port 0 --grpc-port 0

# ---------------------------------------------------------------- a running server
echo "== running server"
mkdir -p "$WORK/main/data/lost+found"
start main RUST_LOG=trace -- start --port 0 --grpc-port 0
PORT=$(wait_ready main) || { echo "cannot continue without a server" >&2; exit 1; }
LOG="$WORK/main/log"
check "logs the gRPC listener on 0.0.0.0" grep -q "gRPC server listening on 0.0.0.0:" "$LOG"
check "binds HTTP to 127.0.0.1 by default" grep -q "HTTP server listening on 127.0.0.1:$PORT" "$LOG"
check "RUST_LOG is ignored (no DEBUG lines)" bash -c "! grep -q DEBUG '$LOG'"
check "monitoring logs the hwloc API version" grep -q "hwloc API version" "$LOG"
check "PID file holds pid and port" test "$(sed -n 1p "$WORK/main/engram.pid")" = "$(cat "$WORK/main/pid")"
GRPC_PORT=$(sed -n 's/.*gRPC server listening on 0.0.0.0:\([0-9]*\).*/\1/p' "$LOG")
check "gRPC port accepts TCP connections" bash -c "exec 3<>/dev/tcp/127.0.0.1/$GRPC_PORT"

check "GET /health/alive: 200" test "$(http_code "$(url "$PORT" /health/alive)")" = 200
check "GET /health/alive: empty body" test -z "$(curl -s "$(url "$PORT" /health/alive)")"
HEALTH=$(curl -s "$(url "$PORT" /health)")
check "GET /health: healthy engram with its version" contains "$HEALTH" '"status":"healthy","service":"engram","version":"0.1.0"'
check "GET /health: features of the default build" contains "$HEALTH" '"features":\["monitoring"\]'
SYSTEM=$(curl -s "$(url "$PORT" /api/v1/system/health)")
check "GET /api/v1/system/health: bootstrap spaces" contains "$SYSTEM" '"spaces":\["alpha1","beta22","default"\]'
check "GET /api/v1/system/health: lost+found is not a space" bash -c "! grep -q lost <<<'$SYSTEM'"
check "GET /api/v1/system/health: cluster null, log level info" contains "$SYSTEM" '"cluster":null,"log_level":"info"'

BODY=$(curl -s -m 5 -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"content": "Zebra crossing at the caf\u00e9 \"corner\"", "confidence": 0.9}' "$(url "$PORT" /api/v1/memories/remember)")
check "POST remember: 201" contains "$BODY" ' 201$'
check "POST remember: memory_id and storage_confidence" contains "$BODY" '"memory_id":"mem_[0-9a-f]*","storage_confidence":{'
MEMORY_ID=$(grep -o '"memory_id":"[^"]*"' <<<"$BODY" | cut -d'"' -f4)
remember_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' -X POST "$@" "$(url "$PORT" /api/v1/memories/remember)"; }
check "POST remember: missing content 400" test "$(remember_code -H 'Content-Type: application/json' -d '{"confidence":0.5}')" = 400
check "POST remember: empty content 400" test "$(remember_code -H 'Content-Type: application/json' -d '{"content":""}')" = 400
check "POST remember: malformed JSON 400" test "$(remember_code -H 'Content-Type: application/json' -d '{"content":')" = 400
check "POST remember: without a JSON content type 415" test "$(remember_code -d '{"content":"x"}')" = 415

SEARCH=$(curl -s "$(url "$PORT" '/api/v1/memories/search?query=zebra+CROSSING&limit=5')")
check "search: + and case-insensitive match" contains "$SEARCH" '"total":1'
check "search: result fields" contains "$SEARCH" "\"id\":\"$MEMORY_ID\",\"content\":\"Zebra crossing at the café \\\\\"corner\\\\\"\",\"confidence\":0.9"
check "search: %XX decoding (UTF-8)" contains "$(curl -s "$(url "$PORT" '/api/v1/memories/search?query=caf%C3%A9')")" '"total":1'
check "search: no match" contains "$(curl -s "$(url "$PORT" '/api/v1/memories/search?query=giraffe')")" '"memories":\[\]'
check "search: missing query 400" test "$(http_code "$(url "$PORT" '/api/v1/memories/search?q=zebra')")" = 400
check "GET memory by id: 200" test "$(http_code "$(url "$PORT" "/api/v1/memories/$MEMORY_ID")")" = 200
check "GET unknown memory: 404" test "$(http_code "$(url "$PORT" /api/v1/memories/mem_unknown)")" = 404
check "unknown route: 404" test "$(http_code "$(url "$PORT" /api/v2/nothing)")" = 404
check "GET /metrics is JSON" contains "$(curl -s "$(url "$PORT" /metrics)")" '"memories_total":1'
PROM=$(curl -s "$(url "$PORT" /metrics/prometheus)")
check "prometheus: # HELP engram_memories_total" grep -q '^# HELP engram_memories_total ' <<<"$PROM"
check "prometheus: # TYPE engram_memories_total counter" grep -q '^# TYPE engram_memories_total counter' <<<"$PROM"
check "prometheus: engram_memories_total 1" grep -q '^engram_memories_total 1$' <<<"$PROM"
check "prometheus: engram_spreading_latency_hot_seconds histogram" \
  grep -q '^# TYPE engram_spreading_latency_hot_seconds histogram' <<<"$PROM"
check "prometheus: ... with observations" \
  grep -q '^engram_spreading_latency_hot_seconds_bucket{le="+Inf"} [1-9]' <<<"$PROM"
check "prometheus: engram_consolidation_runs_total" grep -q '^engram_consolidation_runs_total [0-9]' <<<"$PROM"

seq 1 100 | xargs -P 100 -I{} curl -s -o /dev/null -m 20 -w '%{http_code}\n' -X POST \
  -H 'Content-Type: application/json' -d '{"content":"concurrent memory {}"}' \
  "$(url "$PORT" /api/v1/memories/remember)" >"$WORK/concurrent.txt"
check "100 concurrent remembers: all 201" test "$(grep -c '^201$' "$WORK/concurrent.txt")" = 100
check "  ... all searchable" contains "$(curl -s "$(url "$PORT" '/api/v1/memories/search?query=concurrent+memory&limit=1000')")" '"total":100'
URLS=()
for _ in $(seq 1 1000); do URLS+=("$(url "$PORT" /health/alive)"); done
curl -s -m 60 -o /dev/null -w '%{http_code}\n' "${URLS[@]}" >"$WORK/sequential.txt"
check "1000 sequential keep-alive requests: all 200" test "$(grep -c '^200$' "$WORK/sequential.txt")" = 1000
OK=0
for _ in $(seq 1 200); do [ "$(http_code "$(url "$PORT" /health)")" = 200 ] && OK=$((OK + 1)); done
check "200 requests on fresh connections: all 200" test "$OK" = 200

check_rc "status exits 0 with a server" 0 cli main status
check "  ... and reports it alive" grep -q "alive" "$WORK/last.out"
check_rc "status --json" 0 cli main status --json
check "  ... healthy" grep -q '"healthy":true' "$WORK/last.out"
check_rc "space list exits 0" 0 cli main space list
check "  ... and lists the spaces" grep -q "alpha1" "$WORK/last.out"
check_rc "benchmark latency" 0 cli main benchmark latency
check "  ... prints percentiles" grep -q "p99" "$WORK/last.out"
check_rc "benchmark throughput" 0 cli main benchmark throughput

echo "== fixture knobs"
check "allocate 64 MiB: 200" test "$(http_code -X POST "$(url "$PORT" '/standin/allocate?mb=64')")" = 200
RSS_KB=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$(cat "$WORK/main/pid")/status")
check "  ... resident memory grew past 64 MiB" test "${RSS_KB:-0}" -gt 65536
check "stall: 200" test "$(http_code -X POST "$(url "$PORT" /standin/stall)")" = 200
check "  ... then /health/alive gets no answer" test "$(http_code -m 1 "$(url "$PORT" /health/alive)")" = 000
SECONDS_BEFORE=$SECONDS
check_rc "  ... and space list fails" 1 cli main space list
check "  ... within about two seconds" test $((SECONDS - SECONDS_BEFORE)) -le 4
check "unstall: 200" test "$(http_code -X POST "$(url "$PORT" /standin/unstall)")" = 200
check "  ... answers again" test "$(http_code "$(url "$PORT" /health/alive)")" = 200

echo "== shutdown and persistence"
stop main TERM
check "SIGTERM: exit 0" test "$EXIT_STATUS" = 0
check "  ... logs 'Server stopped gracefully'" grep -q "Server stopped gracefully" "$LOG"
check "  ... removes the PID file" test ! -e "$WORK/main/engram.pid"
check "  ... leaves only space directories in the data root" \
  test "$(find "$WORK/main/data" -mindepth 1 -maxdepth 1 -printf '%f %y\n' | sort | tr '\n' ' ')" \
  = "alpha1 d beta22 d default d lost+found d "
check "  ... with wal/hot/warm/cold in each" test -d "$WORK/main/data/default/wal" -a -d "$WORK/main/data/default/cold"

start main -- --log-level debug start --port 0 --grpc-port 0
PORT=$(wait_ready main)
check "restart: memories replayed" contains "$(curl -s "$(url "$PORT" /metrics)")" '"memories_total":101'
check "restart: memory by id" test "$(http_code "$(url "$PORT" "/api/v1/memories/$MEMORY_ID")")" = 200
check "--log-level debug reaches the server" contains "$(curl -s "$(url "$PORT" /api/v1/system/health)")" '"log_level":"debug"'
check "  ... and the log" grep -q "DEBUG engram:" "$WORK/main/log"
check "remember before a crash: 201" contains "$(remember "$PORT" '{"content":"written just before SIGKILL"}')" memory_id
stop main KILL
check "SIGKILL" test "$EXIT_STATUS" = 137
start main -- start --port 0 --grpc-port 0
PORT=$(wait_ready main)
check "after a crash: the WAL is replayed" contains "$(curl -s "$(url "$PORT" '/api/v1/memories/search?query=before+SIGKILL')")" '"total":1'
stop main INT
check "SIGINT: exit 0" test "$EXIT_STATUS" = 0
check "  ... gracefully" test "$(grep -c "Server stopped gracefully" "$WORK/main/log")" = 1

start main -- start --port 0 --grpc-port 0
PORT=$(wait_ready main)
check "POST /shutdown: 200" test "$(http_code -X POST "$(url "$PORT" /shutdown)")" = 200
wait_exit main
check "  ... exits 0" test "$EXIT_STATUS" = 0
check "  ... gracefully" grep -q "Server stopped gracefully" "$WORK/main/log"

start stalled -- start --port 0 --grpc-port 0
PORT=$(wait_ready stalled)
curl -s -o /dev/null -X POST "$(url "$PORT" /standin/stall)"
curl -s -m 30 -o /dev/null "$(url "$PORT" /health)" &
sleep 0.3
stop stalled TERM
check "SIGTERM with a stalled request pending: exit 0" test "$EXIT_STATUS" = 0

echo "== startup delay, ports, bind address"
DELAY=1500 start slow -- start --port 0 --grpc-port 0
for _ in $(seq 1 50); do grep -q "gRPC server listening" "$WORK/slow/log" && break; sleep 0.1; done
sleep 0.7
check "HTTP waits for the startup delay after gRPC" bash -c "! grep -q 'HTTP server listening' '$WORK/slow/log'"
SLOW_PORT=$(wait_ready slow)
check "  ... then serves" test "$(http_code "$(url "$SLOW_PORT" /health/alive)")" = 200

start busy -- start --port "$SLOW_PORT" --grpc-port 0
BUSY_PORT=$(wait_ready busy)
check "busy port: moves to the next free port" test "$BUSY_PORT" -gt "$SLOW_PORT"
check "  ... and serves there" test "$(http_code "$(url "$BUSY_PORT" /health/alive)")" = 200
check "  ... and records it in the PID file (space list finds it)" test "$(cli busy space list >/dev/null 2>&1; echo $?)" = 0
stop busy TERM
stop slow TERM

start anybind ENGRAM_HTTP_BIND=0.0.0.0 -- start --port 0 --grpc-port 0
ANY_PORT=$(wait_ready anybind)
check "ENGRAM_HTTP_BIND=0.0.0.0 binds all interfaces" grep -q "HTTP server listening on 0.0.0.0:$ANY_PORT" "$WORK/anybind/log"
stop anybind TERM

echo "== api_key authentication"
mkdir -p "$WORK/authcfg/engram"
printf '# keys\nsecret-key-1\n' >"$WORK/keys.txt"
printf '[security]\nauth_mode = "api_key"\n\n[security.api_keys]\nstorage_path = "%s"\n' "$WORK/keys.txt" \
  >"$WORK/authcfg/engram/config.toml"
CFG="$WORK/authcfg" start auth -- start --port 0 --grpc-port 0
AUTH_PORT=$(wait_ready auth)
check "auth: /health/alive without a key is 401" test "$(http_code "$(url "$AUTH_PORT" /health/alive)")" = 401
check "auth: X-API-Key accepted" test "$(http_code -H 'X-API-Key: secret-key-1' "$(url "$AUTH_PORT" /health/alive)")" = 200
check "auth: Authorization: Bearer accepted" test "$(http_code -H 'Authorization: Bearer secret-key-1' "$(url "$AUTH_PORT" /health)")" = 200
check "auth: wrong key is 401" test "$(http_code -H 'X-API-Key: nope' "$(url "$AUTH_PORT" /health)")" = 401
check "auth: space list uses the key file" test "$(CFG="$WORK/authcfg" cli auth space list >/dev/null 2>&1; echo $?)" = 0
stop auth TERM

echo "== alternative build"
SERVER_BIN="$ALT_BIN" start alt -- start --port 0 --grpc-port 0
ALT_PORT=$(wait_ready alt)
ALT_HEALTH=$(curl -s "$(url "$ALT_PORT" /health)")
check "no-default-features + spreading-extras: features list" contains "$ALT_HEALTH" '"features":\["spreading-extras"\]'
check "  ... no hwloc" contains "$ALT_HEALTH" '"hwloc_api_version":null'
check "  ... ENGRAM_TARGET_CPU recorded" contains "$ALT_HEALTH" '"configured":"x86-64-v2"'
if [ -n "$ALT_RUSTFLAGS" ]; then
  check "  ... target-cpu x86-64-v2 enables SSE4.2" contains "$ALT_HEALTH" '"sse4_2":true'
  check "  ... the default build does not" contains "$HEALTH" '"sse4_2":false'
fi
stop alt TERM

echo
echo "$CHECKS checks, $FAILURES failed"
[ "$FAILURES" = 0 ]
