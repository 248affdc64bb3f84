#!/usr/bin/env bash
# Side by side, in one sitting: the product (target/chat.jar + PostgreSQL) and the peers of
# /work/shared/peer (Socket.IO, the bare Vert.x broadcast ceiling-vertx, optionally the stock
# Vert.x event-bus bridge) at the same points: N subscribers in one channel, one publisher, a rising
# rate, REPEAT runs per point, all driven by the peer generator (peer/loadgen). Servers and
# PostgreSQL are pinned to SERVER_CPU (1), the generator to GEN_CPU (0), as peer/bench-one.sh does;
# everything listens on 127.0.0.1 only and every step is bounded by a timeout.
#
#   bench/side-by-side.sh
#   SUBSCRIBERS=1000,5000 RATES_1000=50,150,250 RATES_5000=4,28 REPEAT=3 DURATION=10 WARMUP=10 bench/side-by-side.sh
#
# Knobs (environment): SUBSCRIBERS (comma list, 1000,5000), RATES_<N> (msgs/s of the one publisher
# at N subscribers; RATES_1000=50,150,250 and RATES_5000=4,28), RATES (any other N; 10,20,40),
# REPEAT (3), DURATION (10 s), WARMUP (10 s), DRAIN (5 s), SERVERS (sio,vx,chat; add eb for the
# stock bridge), STOP_ON_FAIL (true: a server whose point fails is not tried at higher rates for
# that N), P99_LIMIT_MS (100),
# SOCKETS_PER_USER (1000: signed-in users for the product = ceil((N+1)/this)), SERVER_CPU (1),
# GEN_CPU (0), CHAT_HEAP (2g), PEER_SRC (/work/shared/peer), OUT_DIR (bench/out/side-by-side-<UTC>),
# KEEP_TMP (set: keep the temp dir with the peer copy and PostgreSQL's data).
#
# Output: OUT_DIR/runs.jsonl (one generator line per run, plus rep, load1, wall_s,
# machine_busy_cores and for the product pg_cpu_s_whole_run), table.md
# (python3 bench/side_by_side.py OUT_DIR), COMMAND, machine.txt (load before and after), logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SUBSCRIBERS="${SUBSCRIBERS:-1000,5000}"
REPEAT="${REPEAT:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-10}"
DRAIN="${DRAIN:-5}"
SERVERS="${SERVERS:-sio,vx,chat}"
STOP_ON_FAIL="${STOP_ON_FAIL:-true}"
P99_LIMIT_MS="${P99_LIMIT_MS:-100}"
SOCKETS_PER_USER="${SOCKETS_PER_USER:-1000}"
SERVER_CPU="${SERVER_CPU:-1}"
GEN_CPU="${GEN_CPU:-0}"
CHAT_HEAP="${CHAT_HEAP:-2g}"
PEER_SRC="${PEER_SRC:-/work/shared/peer}"
STAMP="$(date -u +%Y-%m-%dT%H%M%SZ)"
OUT_DIR="${OUT_DIR:-$ROOT/bench/out/side-by-side-$STAMP}"
GEN_JAVA_OPTS="${GEN_JAVA_OPTS:--XX:+UseSerialGC -Xms2g -Xmx2g -XX:+AlwaysPreTouch}"
VX_JAVA_OPTS="${VX_JAVA_OPTS:--XX:+UseSerialGC -Xms1g -Xmx1g}"
PORT_SIO="${SBS_PORT_SIO:-13300}"
PORT_VX="${SBS_PORT_VX:-18390}"
PORT_EB="${SBS_PORT_EB:-18391}"
PORT_CHAT="${SBS_PORT_CHAT:-18380}"
PG_PORT="${SBS_PG_PORT:-54349}"
OPENS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The exact command, with every knob's effective value.
COMMAND="SUBSCRIBERS=$SUBSCRIBERS"
# Defaults: the sitting of bench/RESULTS.md "Side by side" (the issue's targets are the top points).
RATES_1000="${RATES_1000:-50,150,250}"
RATES_5000="${RATES_5000:-4,28}"
for n in ${SUBSCRIBERS//,/ }; do
  var="RATES_$n"; COMMAND+=" $var=${!var:-${RATES:-10,20,40}}"
done
COMMAND+=" REPEAT=$REPEAT DURATION=$DURATION WARMUP=$WARMUP DRAIN=$DRAIN SERVERS=$SERVERS STOP_ON_FAIL=$STOP_ON_FAIL"
COMMAND+=" SERVER_CPU=$SERVER_CPU GEN_CPU=$GEN_CPU bench/side-by-side.sh"

mkdir -p "$OUT_DIR/logs"
RUNS="$OUT_DIR/runs.jsonl"
: >"$RUNS"
echo "$COMMAND" >"$OUT_DIR/COMMAND"
log() { echo "[side-by-side $(date -u +%H:%M:%S)] $*" >&2; }
has() { [[ ",$SERVERS," == *",$1,"* ]]; }
log "output: $OUT_DIR"
log "command: $COMMAND"
{
  echo "commit: $(git rev-parse --short HEAD) ($(git log -1 --format=%s | cut -c1-80))"
  echo "host: $(uname -srm), $(nproc) cores, $(java -version 2>&1 | head -1), node $(node --version 2>/dev/null || echo none)"
  echo "start: $(date -u +%Y-%m-%dT%H:%M:%SZ) uptime:$(uptime)"
} >"$OUT_DIR/machine.txt"
log "load before: $(uptime)"

# ---- A private copy of the peers (shared/ is read-only in CI), built there.
TMP="$(mktemp -d /tmp/side-by-side.XXXXXX)"
chmod 755 "$TMP"   # PostgreSQL's data dir below runs as the postgres user
PEER="$TMP/peer"
declare -A SPID PORT PROTO URL JVM MEASURED
cleanup() {
  local s
  for s in "${!SPID[@]}"; do stop_pid "${SPID[$s]}"; done
  [ -n "${LOCAL_PG_BIN:-}" ] && stop_local_pg
  if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$TMP"; else log "kept $TMP"; fi
}
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

cp -r "$PEER_SRC" "$PEER"
chmod -R u+w "$PEER"
log "building the peers in $PEER"
( cd "$PEER/loadgen" && timeout 600 mvn -q -B package ) >"$OUT_DIR/logs/build.log" 2>&1
if has sio; then ( cd "$PEER/socketio" && timeout 600 npm ci --no-audit --no-fund ) >>"$OUT_DIR/logs/build.log" 2>&1; fi
if has vx; then ( cd "$PEER/ceiling-vertx" && timeout 600 mvn -q -B package ) >>"$OUT_DIR/logs/build.log" 2>&1; fi
if has eb; then ( cd "$PEER/eb-bridge-check" && timeout 600 mvn -q -B package ) >>"$OUT_DIR/logs/build.log" 2>&1; fi

# ---- The product: target/chat.jar, bench jar (for the sign-in), PostgreSQL pinned with it.
if has chat; then
  LOCAL_PG_DATA="$TMP/pg" LOCAL_PG_PORT="$PG_PORT" LOCAL_PG_PREFIX="taskset -c $SERVER_CPU"
  source scripts/local-pg.sh
  timeout 900 bash -c 'source scripts/local-pg.sh; build_jar_if_stale' >>"$OUT_DIR/logs/build.log" 2>&1
  if [ ! -f bench/target/chat-bench.jar ] || [ -n "$(find bench/src bench/pom.xml -newer bench/target/chat-bench.jar -print -quit)" ]; then
    ( cd bench && timeout 600 mvn -B -q package ) >>"$OUT_DIR/logs/build.log" 2>&1
  fi
  start_local_pg
  PG_PID="$(head -1 "$LOCAL_PG_DATA/pg/postmaster.pid")"
  taskset -a -cp "$SERVER_CPU" "$PG_PID" >/dev/null   # already inherited from pg_ctl; make sure
fi
echo "versions: socket.io $(node -p "require('$PEER/socketio/node_modules/socket.io/package.json').version" 2>/dev/null || echo -), vert.x (peers) $(grep -m1 -o '<vertx.version>[^<]*' "$PEER/loadgen/pom.xml" | cut -d'>' -f2), product $(git log -1 --format=%h -- src pom.xml conf webroot) (last commit touching the product)" >>"$OUT_DIR/machine.txt"

# pg_cpu: CPU seconds of the postmaster and its children (the backends), from /proc.
pg_cpu() {
  [ -n "${PG_PID:-}" ] || { echo 0; return; }
  python3 - "$PG_PID" <<'EOF'
import os, sys
root = sys.argv[1]; total = 0
for p in os.listdir("/proc"):
    if not p.isdigit(): continue
    try:
        s = open(f"/proc/{p}/stat").read(); f = s[s.rindex(")") + 2:].split()
    except OSError: continue
    if p == root or f[1] == root: total += int(f[11]) + int(f[12])
print(total / os.sysconf("SC_CLK_TCK"))
EOF
}

# busy: CPU seconds of the whole machine (user+nice+system+irq+softirq) since boot, from /proc/stat.
busy() { awk '/^cpu /{print ($2+$3+$4+$7+$8)/100; exit}' /proc/stat; }

# wait_port PORT PID NAME: bounded (120 s) wait until the port accepts connections.
wait_port() {
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { log "$3 died, see $OUT_DIR/logs/server-$3-*.log"; return 1; }
    sleep 0.1
  done
  log "$3 did not listen on $1 in 120 s"; return 1
}

PORT[sio]=$PORT_SIO; PROTO[sio]=sio;  JVM[sio]=false
PORT[vx]=$PORT_VX;   PROTO[vx]=raw;   JVM[vx]=true
PORT[eb]=$PORT_EB;   PROTO[eb]=eb;    JVM[eb]=true
PORT[chat]=$PORT_CHAT; PROTO[chat]=chat; JVM[chat]=true
for s in sio vx eb chat; do URL[$s]="ws://127.0.0.1:${PORT[$s]}"; done
URL[eb]+="/eventbus/websocket"; URL[chat]+="/eventbus/websocket"

# start_server KEY N: a fresh server pinned to SERVER_CPU; its pid in SPID[KEY].
start_server() {
  local s="$1" n="$2" log="$OUT_DIR/logs/server-$1-$2.log"
  case "$s" in
    sio) PORT=${PORT[sio]} HOST=127.0.0.1 taskset -c "$SERVER_CPU" node "$PEER/socketio/server.js" >"$log" 2>&1 & ;;
    vx)  PORT=${PORT[vx]} HOST=127.0.0.1 taskset -c "$SERVER_CPU" java $VX_JAVA_OPTS -jar "$PEER/ceiling-vertx/target/ceiling-vertx.jar" >"$log" 2>&1 & ;;
    eb)  PORT=${PORT[eb]} HOST=127.0.0.1 taskset -c "$SERVER_CPU" java $VX_JAVA_OPTS -jar "$PEER/eb-bridge-check/target/eb-bridge-check.jar" >"$log" 2>&1 & ;;
    chat)
      as_pg "$LOCAL_PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS chatsbs" >/dev/null
      as_pg "$LOCAL_PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chatsbs
      # One node, not clustered (conf/config.json's default), rate limits raised as in run.sh.
      env CHAT_HTTP_HOST=127.0.0.1 CHAT_HTTP_PORT="${PORT[chat]}" CHAT_PUBLIC_URL="http://127.0.0.1:${PORT[chat]}" \
        CHAT_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/chatsbs" CHAT_DEV_LOGIN=true CHAT_CLUSTER=false \
        CHAT_RATE_SENDS_PER_SECOND=1000000 CHAT_RATE_SEND_BURST=1000000 CHAT_MAX_SOCKETS_PER_USER=100000 \
        CHAT_RATE_CHANNEL_CREATES_PER_MINUTE=100000 \
        taskset -c "$SERVER_CPU" java -Xms"$CHAT_HEAP" -Xmx"$CHAT_HEAP" $OPENS -jar "$ROOT/target/chat.jar" >"$log" 2>&1 & ;;
  esac
  SPID[$s]=$!
  wait_port "${PORT[$s]}" "${SPID[$s]}" "$s"
  if [ "$s" = chat ]; then
    for _ in $(seq 1 240); do grep -q "vertx-chat is up" "$log" && break; sleep 0.5; done
    grep -q "vertx-chat is up" "$log" || { log "the product did not come up, see $log"; return 1; }
    local users=$(( (n + 1 + SOCKETS_PER_USER - 1) / SOCKETS_PER_USER ))
    timeout 300 taskset -c "$GEN_CPU" java -cp bench/target/chat-bench.jar io.vertxchat.bench.CookieFile \
      --url="http://127.0.0.1:${PORT[chat]}" --users="$users" --channels=room1 --user-prefix="sbs-$n" \
      --out="$OUT_DIR/cookies-$n.txt" 2>>"$OUT_DIR/logs/gen.log"
  fi
  # An unrecorded short run: every server gets the same first traffic (JIT, and the product's
  # cache of known channels: cold, a burst of N registers makes N channel lookups and some time
  # out on the PostgreSQL pool, so joins are refused; see bench/RESULTS.md "Side by side").
  echo "== $s N=$n warm-up run (not recorded)" >>"$OUT_DIR/logs/gen.log"
  local extra=()
  [ "$s" = chat ] && extra+=(--cookies "$OUT_DIR/cookies-$n.txt")
  timeout 120 taskset -c "$GEN_CPU" java -XX:+UseSerialGC -Xmx512m -jar "$PEER/loadgen/target/loadgen.jar" \
    --proto "${PROTO[$s]}" --url "${URL[$s]}" --label "$s-warmup" --clients "$(( n < 100 ? n : 100 ))" --rooms 1 \
    --publishers 1 --rate 10 --duration 2 --warmup 1 --drain 2 ${extra[@]+"${extra[@]}"} \
    >>"$OUT_DIR/logs/gen.log" 2>&1 || log "$s: the warm-up run failed (see logs/gen.log)"
  sleep 1
}

# one_run KEY N RATE REP: one generator run, its JSON line appended to runs.jsonl.
one_run() {
  local s="$1" n="$2" rate="$3" rep="$4" extra=() line load pg0 pg1 b0 b1 t0 t1 jvm=false
  [ "$s" = chat ] && extra+=(--cookies "$OUT_DIR/cookies-$n.txt")
  # Heap per socket (jcmd GC.run + GC.heap_info, several seconds) only on a server's first run at
  # this N: later runs reuse a process whose heap and RSS have already grown.
  if [ -z "${MEASURED[$s-$n]:-}" ]; then jvm="${JVM[$s]}"; MEASURED[$s-$n]=1; fi
  load="$(cut -d' ' -f1 /proc/loadavg)"
  pg0="$(pg_cpu)"; b0="$(busy)"; t0="$(date +%s.%N)"
  log "$s: $n subscribers, $rate msg/s, run $rep/$REPEAT (load $load)"
  echo "== $s N=$n rate=$rate rep=$rep" >>"$OUT_DIR/logs/gen.log"
  line="$(timeout 300 taskset -c "$GEN_CPU" java $GEN_JAVA_OPTS -jar "$PEER/loadgen/target/loadgen.jar" \
    --proto "${PROTO[$s]}" --url "${URL[$s]}" --server-pid "${SPID[$s]}" --server-jvm "$jvm" --label "$s" \
    --clients "$n" --rooms 1 --publishers 1 --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --drain "$DRAIN" \
    ${extra[@]+"${extra[@]}"} 2>>"$OUT_DIR/logs/gen.log" | grep '^{' | tail -1)" || true
  pg1="$(pg_cpu)"; b1="$(busy)"; t1="$(date +%s.%N)"
  if [ -z "$line" ]; then
    log "$s: the generator gave no result (see logs/gen.log)"
    line="{\"label\":\"$s\",\"clients\":$n,\"rate\":$rate,\"failed_run\":true}"
  fi
  # machine_busy_cores: the whole machine's CPU use over the whole run (2 = both cores busy, so
  # something else competed with the server or the generator).
  local extra_json="\"rep\":$rep,\"load1\":$load,\"wall_s\":$(python3 -c "print(round($t1-$t0,1))")"
  extra_json+=",\"machine_busy_cores\":$(python3 -c "print(round(($b1-$b0)/($t1-$t0),2))")"
  [ "$s" = chat ] && extra_json+=",\"pg_cpu_s_whole_run\":$(python3 -c "print(round($pg1-$pg0,3))")"
  echo "{$extra_json,${line#\{}" >>"$RUNS"
  sleep 2   # the server has just closed N sockets; let it settle before the next server's run
}

for n in ${SUBSCRIBERS//,/ }; do
  var="RATES_$n"; rates="${!var:-${RATES:-10,20,40}}"
  active=()
  for s in sio vx eb chat; do has "$s" && active+=("$s"); done
  log "== $n subscribers: starting ${active[*]} (pinned to CPU $SERVER_CPU)"
  for s in "${active[@]}"; do start_server "$s" "$n"; done
  for rate in ${rates//,/ }; do
    [ ${#active[@]} -eq 0 ] && break
    # Interleaved: run r of every server, then run r+1, so that a noisy minute hits all of them.
    for rep in $(seq 1 "$REPEAT"); do
      for s in "${active[@]}"; do one_run "$s" "$n" "$rate" "$rep"; done
    done
    if [ "$STOP_ON_FAIL" = true ]; then
      still=()
      for s in "${active[@]}"; do
        if python3 bench/side_by_side.py --passes "$RUNS" "$s" "$n" "$rate" --p99-limit-ms "$P99_LIMIT_MS"; then
          still+=("$s")
        else
          log "$s fails at $n x $rate msg/s: not tried at higher rates"
        fi
      done
      active=(${still[@]+"${still[@]}"})
    fi
  done
  for s in sio vx eb chat; do
    if [ -n "${SPID[$s]:-}" ]; then stop_pid "${SPID[$s]}"; unset "SPID[$s]"; fi
  done
done

log "load after: $(uptime)"
echo "end: $(date -u +%Y-%m-%dT%H:%M:%SZ) uptime:$(uptime)" >>"$OUT_DIR/machine.txt"
python3 bench/side_by_side.py "$OUT_DIR" --p99-limit-ms "$P99_LIMIT_MS" >"$OUT_DIR/table.md"
cat "$OUT_DIR/table.md"
echo
echo "command: $COMMAND"
echo "output:  $OUT_DIR"
