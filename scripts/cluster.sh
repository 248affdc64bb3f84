#!/usr/bin/env bash
# Starts N local nodes (default 3) of one Hazelcast cluster on 127.0.0.1, all on one PostgreSQL
# (the quick start's, in .devdb/, unless CHAT_PG_URL is set), with the dev sign-in provider.
#   node i: HTTP http://localhost:$((BASE_PORT+i)) (BASE_PORT 8080), Hazelcast 127.0.0.1:$((5700+i))
# Put a load balancer in front (docs/operations.md has nginx and HAProxy set-ups) and set
# CHAT_PUBLIC_URL to its URL so every node builds the same sign-in redirect. Ctrl-C (or SIGTERM)
# drains and stops every node. Logs: .cluster/node-<i>.log. Any other CHAT_* variable is passed on.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-3}"
BASE_PORT="${BASE_PORT:-8080}"
HZ_BASE="${HZ_BASE:-5700}"
RUN="$PWD/.cluster"
mkdir -p "$RUN"

source scripts/local-pg.sh
if [ -z "${CHAT_PG_URL:-}" ]; then
  start_local_pg
fi
build_jar_if_stale

members=""
for i in $(seq 1 "$N"); do members="$members${members:+,}127.0.0.1:$((HZ_BASE + i))"; done

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "stopping ${#pids[@]} node(s)"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all INT TERM EXIT

for i in $(seq 1 "$N"); do
  port=$((BASE_PORT + i))
  log="$RUN/node-$i.log"
  : > "$log"
  CHAT_HTTP_PORT="$port" \
  CHAT_PUBLIC_URL="${CHAT_PUBLIC_URL:-http://localhost:$port}" \
  CHAT_CLUSTER=true \
  CHAT_CLUSTER_HOST=127.0.0.1 \
  CHAT_CLUSTER_PORT=$((HZ_BASE + i)) \
  CHAT_CLUSTER_MEMBERS="$members" \
  CHAT_CLUSTER_NAME="${CHAT_CLUSTER_NAME:-vertx-chat-local}" \
  CHAT_DEV_LOGIN="${CHAT_DEV_LOGIN:-true}" \
    java -jar target/chat.jar >"$log" 2>&1 &
  pids+=("$!")
  # One at a time: a member joins in well under a second once the first is up.
  up=""
  for _ in $(seq 1 240); do
    if grep -q "vertx-chat is up" "$log"; then up=1; break; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$up" ]; then echo "node $i did not start; its log, $log:" >&2; tail -20 "$log" >&2; exit 1; fi
  echo "node $i: http://localhost:$port  (ready: /ready, metrics: /metrics, log: $log)"
done
echo "$N node(s) up; Ctrl-C drains and stops them"
wait
