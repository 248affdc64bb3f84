#!/usr/bin/env bash
# Runs the benchmark scenarios of bench/RESULTS.md on this machine, on 127.0.0.1 only:
# PostgreSQL as in scripts/dev.sh (in bench/.benchdb), the server pinned to core 0 and the load
# generator pinned to core 1 (taskset). Output goes OUTSIDE the tracked tree, to one folder per
# invocation (printed at the start and the end): OUT_DIR, by default bench/out/<UTC time>-<scenarios>/
# (git-ignored), with one JSON line per run in <scenario>.jsonl, COMMAND (this invocation, with
# every knob's value), commands.txt (each generator command exactly as run) and server-*.log.
# To keep a run that bench/RESULTS.md cites, copy its folder to bench/results/<date>-<name>/.
#
#   bench/run.sh fanout-1000 fanout-5000 channels writes idle cross-node   (or: all)
#
# Tunables (environment): REPEAT (3), WARMUP (5 s per point), JIT_WARMUP (20 s, once, unmeasured),
# DURATION (10 s), SERVER_CPU (0), BENCH_CPU (1),
# SERVER_HEAP (2g), SERVER_JAVA_OPTS (more JVM flags, e.g. -XX:+AlwaysPreTouch), RATES_<SCENARIO> (comma list, msgs/s over all publishers), STOP_ON_FAIL (true:
# stop raising the rate at the first failing point), PROFILE (set: JFR of the first measured run
# into OUT_DIR/<scenario>.jfr), OUT_DIR, CHAT_* passed through to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
[ $# -eq 0 ] && set -- all
OUT="${OUT_DIR:-$ROOT/bench/out/$(date -u +%Y-%m-%dT%H%M%SZ)-$(IFS=+; echo "$*")}"
mkdir -p "$OUT"

REPEAT="${REPEAT:-3}"
WARMUP="${WARMUP:-5}"
DURATION="${DURATION:-10}"
SERVER_CPU="${SERVER_CPU:-0}"
BENCH_CPU="${BENCH_CPU:-1}"
SERVER_HEAP="${SERVER_HEAP:-2g}"
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:-}"
PG_PORT="${BENCH_PG_PORT:-54339}"
PORT_A="${BENCH_PORT_A:-18080}"
PORT_B="${BENCH_PORT_B:-18081}"
HZ_A="${BENCH_HZ_PORT_A:-15701}"
HZ_B="${BENCH_HZ_PORT_B:-15702}"
DATA="$ROOT/bench/.benchdb"
OPENS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
ulimit -n 65536 2>/dev/null || true

# The exact invocation: every knob's effective value, then the scenarios.
{
  printf 'REPEAT=%s WARMUP=%s JIT_WARMUP=%s DURATION=%s STOP_ON_FAIL=%s SERVER_CPU=%s BENCH_CPU=%s SERVER_HEAP=%s' \
    "$REPEAT" "$WARMUP" "${JIT_WARMUP:-20}" "$DURATION" "${STOP_ON_FAIL:-true}" "$SERVER_CPU" "$BENCH_CPU" "$SERVER_HEAP"
  for v in SERVER_JAVA_OPTS RATES_FANOUT_1000 RATES_FANOUT_5000 RATES_CHANNELS RATES_WRITES RATES_CROSS IDLE_SECONDS PROFILE; do
    [ -n "${!v:-}" ] && printf ' %s=%s' "$v" "${!v}"
  done
  printf ' bench/run.sh %s\n' "$*"
  echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), started $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uptime)"
} >"$OUT/COMMAND"
echo "== output: $OUT" >&2
echo "== command: $(head -1 "$OUT/COMMAND")" >&2

LOCAL_PG_DATA="$DATA" LOCAL_PG_PORT="$PG_PORT" LOCAL_PG_PREFIX="taskset -c $SERVER_CPU"
source scripts/local-pg.sh

# ---- Builds
build_jar_if_stale
if [ ! -f bench/target/chat-bench.jar ] || [ -n "$(find bench/src bench/pom.xml -newer bench/target/chat-bench.jar -print -quit)" ]; then
  (cd bench && mvn -B -q package)
fi

# ---- PostgreSQL (as scripts/dev.sh, in bench/.benchdb), a fresh database per scenario.
# PostgreSQL shares the server's core: the storage work is part of the server's budget.
start_local_pg

SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  stop_local_pg
}
trap cleanup EXIT

fresh_db() {
  as_pg "$LOCAL_PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS chatbench" >/dev/null
  as_pg "$LOCAL_PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chatbench
}

# start_node NAME HTTP_PORT [env...]: starts a node pinned to SERVER_CPU, waits until it is up,
# and leaves its pid in NODE_PID.
start_node() {
  local name="$1" port="$2"; shift 2
  local log="$OUT/server-$name.log"
  env CHAT_HTTP_PORT="$port" CHAT_PUBLIC_URL="http://127.0.0.1:$port" \
    CHAT_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/chatbench" CHAT_DEV_LOGIN=true \
    CHAT_RATE_SENDS_PER_SECOND="${CHAT_RATE_SENDS_PER_SECOND:-1000000}" \
    CHAT_RATE_SEND_BURST="${CHAT_RATE_SEND_BURST:-1000000}" \
    CHAT_MAX_SOCKETS_PER_USER="${CHAT_MAX_SOCKETS_PER_USER:-100000}" \
    CHAT_RATE_CHANNEL_CREATES_PER_MINUTE="${CHAT_RATE_CHANNEL_CREATES_PER_MINUTE:-100000}" \
    "$@" taskset -c "$SERVER_CPU" java -Xms"$SERVER_HEAP" -Xmx"$SERVER_HEAP" $SERVER_JAVA_OPTS $OPENS -jar target/chat.jar >"$log" 2>&1 &
  local pid=$!
  SERVER_PIDS+=("$pid")
  NODE_PID="$pid"
  for _ in $(seq 1 240); do
    if grep -q "vertx-chat is up" "$log"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "node $name died, see $log" >&2; cat "$log" >&2; return 1; fi
    sleep 0.5
  done
  echo "node $name did not start in 120 s, see $log" >&2
  return 1
}

stop_nodes() {
  for pid in "${SERVER_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  SERVER_PIDS=()
}

bench() {
  local scenario="$1"; shift
  local cmd=(taskset -c "$BENCH_CPU" java -Xms1g -Xmx2g -jar bench/target/chat-bench.jar
    --repeat="$REPEAT" --warmup="$WARMUP" --jit-warmup="${JIT_WARMUP:-20}" --duration="$DURATION"
    --stop-on-fail="${STOP_ON_FAIL:-true}" --pg-pid="$(head -1 "$DATA/pg/postmaster.pid")")
  [ -n "${PROFILE:-}" ] && cmd+=(--jfr="$OUT/$scenario.jfr")
  cmd+=("$@")
  echo "== $scenario: ${cmd[*]}" | tee -a "$OUT/commands.txt" >&2
  "${cmd[@]}" | tee "$OUT/$scenario.jsonl" || echo "== $scenario: the generator failed" >&2
}

single() {
  local scenario="$1"; shift
  fresh_db
  # A one-member cluster, as a production node runs.
  start_node "$scenario" "$PORT_A" CHAT_CLUSTER=true CHAT_CLUSTER_NAME="bench-$$-$scenario" CHAT_CLUSTER_PORT="$HZ_A"
  bench "$scenario" --url="http://127.0.0.1:$PORT_A" --server-pid="$NODE_PID" --channel-prefix="$scenario" "$@"
  stop_nodes
}

run_scenario() {
  case "$1" in
    fanout-1000)
      single fanout-1000 --subscribers=1000 --channels=1 --publishers=1 \
        --rates="${RATES_FANOUT_1000:-10,20,30,40,50,60,80,100}" ;;
    fanout-5000)
      single fanout-5000 --subscribers=5000 --channels=1 --publishers=1 \
        --rates="${RATES_FANOUT_5000:-2,4,6,8,10,14,20}" ;;
    channels)
      single channels-500x10 --subscribers=5000 --channels=500 --publishers=50 \
        --rates="${RATES_CHANNELS:-250,500,1000,2000,3000,5000}" ;;
    writes)
      single writes-50x50 --subscribers=50 --channels=50 --publishers=50 \
        --rates="${RATES_WRITES:-250,500,1000,2000,3000,5000,8000}" ;;
    idle)
      single idle-10000 --mode=idle --subscribers=10000 --channels=100 --connect-concurrency=200 \
        --idle="${IDLE_SECONDS:-20}" ;;
    cross-node)
      fresh_db
      local a b cluster
      cluster="bench-$$"
      start_node cross-a "$PORT_A" CHAT_CLUSTER=true CHAT_CLUSTER_NAME="$cluster" CHAT_CLUSTER_PORT="$HZ_A" \
        CHAT_CLUSTER_MEMBERS="127.0.0.1:$HZ_A,127.0.0.1:$HZ_B"
      a="$NODE_PID"
      start_node cross-b "$PORT_B" CHAT_CLUSTER=true CHAT_CLUSTER_NAME="$cluster" CHAT_CLUSTER_PORT="$HZ_B" \
        CHAT_CLUSTER_MEMBERS="127.0.0.1:$HZ_A,127.0.0.1:$HZ_B"
      b="$NODE_PID"
      local rates="${RATES_CROSS:-5,10,20,40}"
      # Same cluster, same load: subscribers on A (same node as publishers), then on B.
      STOP_ON_FAIL=false bench cross-same-node --url="http://127.0.0.1:$PORT_A" --server-pid="$a,$b" \
        --channel-prefix=same --subscribers=1000 --channels=1 --publishers=1 --rates="$rates"
      STOP_ON_FAIL=false bench cross-node --url="http://127.0.0.1:$PORT_A" --sub-url="http://127.0.0.1:$PORT_B" \
        --server-pid="$a,$b" --channel-prefix=cross --subscribers=1000 --channels=1 --publishers=1 --rates="$rates"
      stop_nodes ;;
    *) echo "unknown scenario $1 (fanout-1000 fanout-5000 channels writes idle cross-node all)" >&2; exit 2 ;;
  esac
}

for s in "$@"; do
  if [ "$s" = all ]; then
    for t in fanout-1000 fanout-5000 channels writes idle cross-node; do run_scenario "$t"; done
  else
    run_scenario "$s"
  fi
done
echo "== output: $OUT (python3 bench/summarize.py $OUT)" >&2
