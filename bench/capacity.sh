#!/usr/bin/env bash
# The measurements behind docs/capacity.md: 1-, 2- and 3-node clusters of target/chat.jar (separate
# processes, Hazelcast on 127.0.0.1) on one throwaway PostgreSQL, the same load spread evenly over
# the nodes, and per run the costs that grow with a fleet: node CPU seconds per delivery, cluster
# event-bus messages and bytes per chat message, Hazelcast's subscription map (__vertx.subs),
# PostgreSQL CPU and WAL per stored message, heap per socket.
#
#   bench/capacity.sh                      # NODES=1,2,3 SUBSCRIBERS=3000 CHANNELS=10 RATE=5 WINDOW=20
#   NODES=1 SUBSCRIBERS=100 CHANNELS=100 RATE=10 bench/capacity.sh    # a write-heavy point
#   python3 bench/capacity.py summary bench/out/capacity-<UTC time>   # the table again
#
# Per node count K: a fresh database and K fresh nodes (pinned with PostgreSQL to SERVER_CPU, the
# generators to GEN_CPU); the peer generator (/work/shared/peer/loadgen, copied to a temp dir and
# built there) signs in with cookies from io.vertxchat.bench.CookieFile. SUBSCRIBERS/K sockets on
# each node, spread over CHANNELS channels (room1..roomN): nodes 2..K get a subscriber-only
# generator process (its one publisher sends one message when it connects and then stays silent),
# node 1 gets the generator that also runs CHANNELS publishers, one per channel at RATE msg/s each.
# Publishing starts; after SETTLE s the first snapshot (bench/capacity.py snapshot), after WINDOW s
# more the second; every figure is the difference between the two, counted on the servers
# (chat_fanout_deliveries_total, chat_messages_stored_total, the vertx_eventbus_bytes_* meters),
# from /proc (CPU seconds) and from PostgreSQL (pg_current_wal_lsn(), xact_commit). Heap per socket:
# heap used after a full GC (jcmd) with 0 and with the node's sockets open. __vertx.subs: each
# member's owned and backup entry counts from Hazelcast's own metrics (its diagnostics log,
# -Dhazelcast.diagnostics.*), read after the window.
#
# Knobs (environment): NODES (1,2,3), SUBSCRIBERS (3000), CHANNELS (10), RATE (5 msg/s per
# channel), SETTLE (8 s of publishing before the window), WINDOW (20 s), IDLE (10 s: the nodes'
# idle CPU rate, measured before publishing, with nodes 2..K's sockets open), NODE_HEAP (1g),
# SERVER_CPU (1), GEN_CPU (0), SOCKETS_PER_USER (1000), PEER_SRC (/work/shared/peer),
# OUT_DIR (bench/out/capacity-<UTC time>), KEEP_TMP (set: keep the temp dir).
# Everything listens on 127.0.0.1 (HTTP 18481.., Hazelcast 15811.., PostgreSQL 54369); every wait
# and every generator is bounded by a timeout; every process started here is stopped by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

NODES="${NODES:-1,2,3}"
SUBSCRIBERS="${SUBSCRIBERS:-3000}"
CHANNELS="${CHANNELS:-10}"
RATE="${RATE:-5}"
SETTLE="${SETTLE:-8}"
WINDOW="${WINDOW:-20}"
IDLE="${IDLE:-10}"
NODE_HEAP="${NODE_HEAP:-1g}"
SERVER_CPU="${SERVER_CPU:-1}"
GEN_CPU="${GEN_CPU:-0}"
SOCKETS_PER_USER="${SOCKETS_PER_USER:-1000}"
PEER_SRC="${PEER_SRC:-/work/shared/peer}"
STAMP="$(date -u +%Y-%m-%dT%H%M%SZ)"
OUT_DIR="${OUT_DIR:-$ROOT/bench/out/capacity-$STAMP}"
PG_PORT="${CAP_PG_PORT:-54369}"
HTTP_BASE="${CAP_HTTP_BASE:-18480}"
HZ_BASE="${CAP_HZ_BASE:-15810}"
GEN_OPTS="-XX:+UseSerialGC -Xms1g -Xmx1g"
OPENS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"

COMMAND="NODES=$NODES SUBSCRIBERS=$SUBSCRIBERS CHANNELS=$CHANNELS RATE=$RATE SETTLE=$SETTLE WINDOW=$WINDOW IDLE=$IDLE"
COMMAND+=" NODE_HEAP=$NODE_HEAP SERVER_CPU=$SERVER_CPU GEN_CPU=$GEN_CPU bench/capacity.sh"
mkdir -p "$OUT_DIR"
echo "$COMMAND" >"$OUT_DIR/COMMAND"
log() { echo "[capacity $(date -u +%H:%M:%S)] $*" >&2; }
log "output: $OUT_DIR"
log "command: $COMMAND"
{
  echo "commit: $(git rev-parse --short HEAD) ($(git log -1 --format=%s | cut -c1-80))"
  echo "host: $(uname -srm), $(nproc) cores, $(java -version 2>&1 | head -1)"
  echo "start: $(date -u +%Y-%m-%dT%H:%M:%SZ) uptime:$(uptime)"
} >"$OUT_DIR/machine.txt"

TMP="$(mktemp -d /tmp/capacity.XXXXXX)"
chmod 755 "$TMP"   # PostgreSQL's data dir below runs as the postgres user
PEER="$TMP/peer"
PIDS=()            # every process started here (nodes, generators), stopped by pid
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  local pid
  for pid in "${PIDS[@]:-}"; do stop_pid "$pid"; done
  PIDS=()
}
cleanup() {
  stop_all
  [ -n "${LOCAL_PG_BIN:-}" ] && stop_local_pg
  if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$TMP"; else log "kept $TMP"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# ---- Builds: the peer generator in a private copy, target/chat.jar and the bench jar (sign-in).
cp -r "$PEER_SRC" "$PEER"
chmod -R u+w "$PEER"
log "building the generator in $PEER/loadgen, the product and the bench jar"
( cd "$PEER/loadgen" && timeout 600 mvn -q -B -o package ) >"$OUT_DIR/build.log" 2>&1
LOCAL_PG_DATA="$TMP/pg" LOCAL_PG_PORT="$PG_PORT" LOCAL_PG_PREFIX="taskset -c $SERVER_CPU"
source scripts/local-pg.sh
[ -f target/chat.jar ] && [ -z "$(find src webroot conf pom.xml -newer target/chat.jar -print -quit)" ] \
  || timeout 900 mvn -B -o -q package -DskipTests >>"$OUT_DIR/build.log" 2>&1
if [ ! -f bench/target/chat-bench.jar ] || [ -n "$(find bench/src bench/pom.xml -newer bench/target/chat-bench.jar -print -quit)" ]; then
  ( cd bench && timeout 600 mvn -B -o -q package ) >>"$OUT_DIR/build.log" 2>&1
fi
LOADGEN="$PEER/loadgen/target/loadgen.jar"

start_local_pg
PG_PID="$(head -1 "$LOCAL_PG_DATA/pg/postmaster.pid")"
PSQL="runuser -u postgres -- $LOCAL_PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -d capacity"
[ "$(id -u)" = 0 ] || PSQL="$LOCAL_PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -d capacity"
echo "postgres: $("$LOCAL_PG_BIN/postgres" --version), generator: peer/loadgen $(grep -m1 -o '<vertx.version>[^<]*' "$PEER/loadgen/pom.xml" | cut -d'>' -f2)" >>"$OUT_DIR/machine.txt"

# wait_for WHAT SECONDS CMD...: polls CMD every 0.2 s until it succeeds, at most SECONDS.
wait_for() {
  local what="$1" limit="$2"; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || { log "timed out after $limit s waiting for $what"; return 1; }
    sleep 0.2
  done
}
metric() { python3 bench/capacity.py count "$1" "$2"; }
sockets_at_least() { [ "$(metric "$1" chat_bridge_sockets)" -ge "$2" ]; }
stored_total() {
  local sum=0 p
  for p in "${PORTS[@]}"; do sum=$(( sum + $(metric "$p" chat_messages_stored_total) )); done
  echo "$sum"
}

# start_node RUN I K: node I of a K-node cluster; pid in NODE_PIDS[I], port in PORTS[I].
start_node() {
  local run="$1" i="$2" k="$3" port=$(( HTTP_BASE + $2 )) hz=$(( HZ_BASE + $2 )) members="" j
  for j in $(seq 1 "$k"); do members+="${members:+,}127.0.0.1:$(( HZ_BASE + j ))"; done
  mkdir -p "$run/hz-node$i"
  env CHAT_HTTP_HOST=127.0.0.1 CHAT_HTTP_PORT="$port" CHAT_PUBLIC_URL="http://127.0.0.1:$port" \
    CHAT_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/capacity" CHAT_DEV_LOGIN=true \
    CHAT_CLUSTER=true CHAT_CLUSTER_HOST=127.0.0.1 CHAT_CLUSTER_PORT="$hz" CHAT_CLUSTER_MEMBERS="$members" \
    CHAT_CLUSTER_NAME="capacity-$$-$k" \
    CHAT_RATE_SENDS_PER_SECOND=1000000 CHAT_RATE_SEND_BURST=1000000 CHAT_MAX_SOCKETS_PER_USER=100000 \
    CHAT_RATE_CHANNEL_CREATES_PER_MINUTE=100000 CHAT_HISTORY_TRIM_SECONDS=86400 \
    taskset -c "$SERVER_CPU" java -Xms"$NODE_HEAP" -Xmx"$NODE_HEAP" $OPENS \
      -Dhazelcast.diagnostics.enabled=true -Dhazelcast.diagnostics.metrics.period.seconds=5 \
      -Dhazelcast.diagnostics.directory="$run/hz-node$i" \
      -jar "$ROOT/target/chat.jar" >"$run/node$i.log" 2>&1 &
  NODE_PIDS[$i]=$!
  PIDS+=("$!")
  PORTS[$i]=$port
  wait_for "node $i" 180 grep -q "vertx-chat is up" "$run/node$i.log" \
    || { tail -30 "$run/node$i.log" >&2; return 1; }
}

# loadgen TIMEOUT LABEL PORT ARGS...: the peer generator against one node's raw bridge endpoint.
loadgen() {
  local limit="$1" label="$2" port="$3"; shift 3
  LOADGEN_CMD=(timeout "$limit" taskset -c "$GEN_CPU" java $GEN_OPTS -jar "$LOADGEN" --proto chat
    --url "ws://127.0.0.1:$port/eventbus/websocket" --label "$label" --cookies "$RUN/cookies.txt" "$@")
  echo "timeout $limit taskset -c $GEN_CPU java $GEN_OPTS -jar peer/loadgen/target/loadgen.jar --proto chat --url ws://127.0.0.1:$port/eventbus/websocket --label $label --cookies cookies.txt $*" >>"$RUN/commands.txt"
  [ -n "${LOADGEN_BG:-}" ] || "${LOADGEN_CMD[@]}"
}

# loadgen_bg OUT TIMEOUT LABEL PORT ARGS...: the same in the background, stdout to OUT; LOADGEN_PID
# is the timeout process itself (not a subshell), so stopping it stops the generator too.
loadgen_bg() {
  local out="$1"; shift
  LOADGEN_BG=1 loadgen "$@"
  "${LOADGEN_CMD[@]}" >"$out" 2>>"$RUN/gen.log" &
  LOADGEN_PID=$!
  PIDS+=("$LOADGEN_PID")
}

run_k() {
  local k="$1" per=$(( SUBSCRIBERS / $1 )) i rooms users
  RUN="$OUT_DIR/nodes-$k"
  mkdir -p "$RUN"
  : >"$RUN/commands.txt"
  NODE_PIDS=(); PORTS=()
  local before; before="$(uptime)"
  log "== $k node(s): $per subscribers on each, $CHANNELS channels, $RATE msg/s per channel (load: $before)"
  as_pg "$LOCAL_PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS capacity" >/dev/null
  as_pg "$LOCAL_PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres capacity
  for i in $(seq 1 "$k"); do start_node "$RUN" "$i" "$k"; done
  for i in $(seq 1 "$k"); do
    wait_for "node $i to see $k members" 60 bash -c "curl -s http://127.0.0.1:${PORTS[$i]}/ready | grep -q '\"members\":$k'"
  done
  rooms="$(seq -s, -f 'room%g' 1 "$CHANNELS")"
  users=$(( (SUBSCRIBERS + CHANNELS + k + SOCKETS_PER_USER - 1) / SOCKETS_PER_USER ))
  timeout 300 taskset -c "$GEN_CPU" java -cp bench/target/chat-bench.jar io.vertxchat.bench.CookieFile \
    --url="http://127.0.0.1:${PORTS[1]}" --users="$users" --channels="$rooms" --user-prefix="cap-$k" \
    --out="$RUN/cookies.txt" 2>>"$RUN/gen.log"
  # An unrecorded short run on every node: JIT, and each node's cache of known channels.
  for i in $(seq 1 "$k"); do
    loadgen 120 "warmup-$i" "${PORTS[$i]}" --clients 100 --rooms "$CHANNELS" --publishers "$CHANNELS" \
      --rate 2 --duration 3 --warmup 2 --drain 2 >>"$RUN/gen.log" 2>&1 || log "warm-up on node $i failed (see gen.log)"
  done
  local heap0=() heapn=() heaps=() ports; ports="$(IFS=,; echo "${PORTS[*]}")"
  for i in $(seq 1 "$k"); do heap0[$i]="$(python3 bench/capacity.py heap "${NODE_PIDS[$i]}")"; done
  local base; base="$(stored_total)"
  # Subscriber-only generators on nodes 2..K (alive well past the window; stopped below).
  local quiet=()
  for i in $(seq 2 "$k"); do
    loadgen_bg "$RUN/gen-subs-$i.jsonl" 400 "subs-$i" "${PORTS[$i]}" --clients "$per" --rooms "$CHANNELS" \
      --publishers 1 --rate 0.001 --warmup 290 --duration 10 --drain 1
    quiet+=("$LOADGEN_PID")
  done
  for i in $(seq 2 "$k"); do
    wait_for "$per sockets on node $i" 240 sockets_at_least "${PORTS[$i]}" "$(( per + 1 ))"
    heapn[$i]="$(python3 bench/capacity.py heap "${NODE_PIDS[$i]}")"
    heaps[$i]="$(metric "${PORTS[$i]}" chat_bridge_sockets)"
  done
  # Each subscriber-only generator's publisher sends its one message as it connects: wait for them.
  base="$(timeout 120 python3 bench/capacity.py wait-stored "$ports" "$(( base + k - 1 ))" 100)"
  local spec=""
  for i in $(seq 1 "$k"); do spec+="${spec:+,}${NODE_PIDS[$i]}:${PORTS[$i]}"; done
  # The idle rate: the same nodes with the subscriber-only sockets open and nothing published.
  python3 bench/capacity.py snapshot "$RUN/idle-a.json" --nodes "$spec" --pg-pid "$PG_PID" --psql "$PSQL"
  sleep "$IDLE"
  python3 bench/capacity.py snapshot "$RUN/idle-b.json" --nodes "$spec" --pg-pid "$PG_PID" --psql "$PSQL"
  # Node 1: subscribers and the publishers; it measures node 1's heap itself (--server-jvm). It
  # publishes for WINDOW + 40 s, so the window below ends well inside however slow the machine is.
  loadgen_bg "$RUN/gen-node1.jsonl" 400 "node1" "${PORTS[1]}" --clients "$per" --rooms "$CHANNELS" \
    --publishers "$CHANNELS" --rate "$RATE" --warmup "$SETTLE" --duration "$(( WINDOW + 40 ))" --drain 10 \
    --server-pid "${NODE_PIDS[1]}" --server-jvm true
  local main=$LOADGEN_PID
  timeout 300 python3 bench/capacity.py wait-stored "$ports" "$(( base + 1 ))" 290 >/dev/null
  sleep "$SETTLE"
  python3 bench/capacity.py snapshot "$RUN/snap-a.json" --nodes "$spec" --pg-pid "$PG_PID" --psql "$PSQL"
  sleep "$WINDOW"
  python3 bench/capacity.py snapshot "$RUN/snap-b.json" --nodes "$spec" --pg-pid "$PG_PID" --psql "$PSQL"
  sleep 6   # one more diagnostics period (5 s) with every subscription in place
  local subs="["
  for i in $(seq 1 "$k"); do subs+="$(python3 bench/capacity.py subs "$RUN/hz-node$i"),"; done
  subs="${subs%,}]"
  wait "$main" || log "the node-1 generator exited with $? (see gen.log)"
  for pid in "${quiet[@]:-}"; do stop_pid "$pid"; done
  local after; after="$(uptime)"
  # node 1's heap from its generator: before connecting, connected, sockets it opened
  local gen; gen="$(grep '^{' "$RUN/gen-node1.jsonl" | tail -1)"
  python3 - "$RUN/run.json" "$COMMAND" "$k" "$SUBSCRIBERS" "$CHANNELS" "$RATE" "$before" "$after" "$subs" "$gen" \
    "${heap0[*]}" "${heapn[*]:-}" "${heaps[*]:-}" <<'EOF'
import json, sys
out, command, k, subs_n, channels, rate, before, after, subs, gen, h0, hn, hs = sys.argv[1:]
k = int(k)
gen = json.loads(gen) if gen.strip() else {}
h0 = [int(x) for x in h0.split()]
hn = [int(x) for x in hn.split()] if hn.strip() else []
hs = [int(x) for x in hs.split()] if hs.strip() else []
heap = [[gen.get("server_heap_kb_before"), gen.get("server_heap_kb_connected"),
         gen.get("subs_ready", 0) + gen.get("publishers", 0)]]
for i in range(1, k):
    heap.append([h0[i], hn[i - 1], hs[i - 1]])
json.dump({"command": command, "nodes": k, "subscribers": int(subs_n), "channels": int(channels), "rate": float(rate),
           "uptime_before": before, "uptime_after": after, "subs": json.loads(subs), "generator": gen,
           "heap_kb": heap}, open(out, "w"), indent=1)
EOF
  stop_all
  # Keep only the last diagnostics lines that name the subscription map (the log is large).
  for i in $(seq 1 "$k"); do
    grep -h "__vertx.subs" "$RUN"/hz-node$i/*.log 2>/dev/null | tail -40 >"$RUN/hz-node$i-subs.txt" || true
  done
  log "== $k node(s) done (load: $after)"
}

for k in ${NODES//,/ }; do run_k "$k"; done

echo "end: $(date -u +%Y-%m-%dT%H:%M:%SZ) uptime:$(uptime)" >>"$OUT_DIR/machine.txt"
python3 bench/capacity.py summary "$OUT_DIR" >"$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
echo
echo "command: $COMMAND"
echo "output:  $OUT_DIR"
