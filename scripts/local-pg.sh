# Sourced by scripts/dev.sh, scripts/cluster.sh and bench/run.sh: a local PostgreSQL in
# .devdb/ on 127.0.0.1:${CHAT_DEV_PG_PORT:-54329}, installed from Debian's packages when missing.
# After `start_local_pg`, CHAT_PG_URL points at its `chat` database; `stop_local_pg` stops it.
# Set LOCAL_PG_DATA, LOCAL_PG_PORT or LOCAL_PG_PREFIX (a command the server runs under, such as
# `taskset -c 0`) before sourcing to change them.

LOCAL_PG_PORT="${LOCAL_PG_PORT:-${CHAT_DEV_PG_PORT:-54329}}"
LOCAL_PG_DATA="${LOCAL_PG_DATA:-$PWD/.devdb}"
LOCAL_PG_PREFIX="${LOCAL_PG_PREFIX:-}"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_local_pg() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  LOCAL_PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  if [ ! -f "$LOCAL_PG_DATA/pg/PG_VERSION" ]; then
    mkdir -p "$LOCAL_PG_DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$LOCAL_PG_DATA"; fi
    as_pg "$LOCAL_PG_BIN/initdb" -D "$LOCAL_PG_DATA/pg" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
  fi
  if ! as_pg "$LOCAL_PG_BIN/pg_ctl" -D "$LOCAL_PG_DATA/pg" status >/dev/null 2>&1; then
    as_pg $LOCAL_PG_PREFIX "$LOCAL_PG_BIN/pg_ctl" -D "$LOCAL_PG_DATA/pg" -l "$LOCAL_PG_DATA/pg.log" -w \
      -o "-p $LOCAL_PG_PORT -k $LOCAL_PG_DATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  fi
  as_pg "$LOCAL_PG_BIN/psql" -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'chat'" | grep -q 1 \
    || as_pg "$LOCAL_PG_BIN/createdb" -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U postgres chat
  export CHAT_PG_URL="postgresql://postgres@127.0.0.1:$LOCAL_PG_PORT/chat"
}

stop_local_pg() {
  as_pg "$LOCAL_PG_BIN/pg_ctl" -D "$LOCAL_PG_DATA/pg" -m fast stop >/dev/null 2>&1 || true
}

# Builds target/chat.jar unless it is newer than every source.
build_jar_if_stale() {
  [ -f target/chat.jar ] && [ -z "$(find src webroot conf pom.xml -newer target/chat.jar -print -quit)" ] \
    || mvn -B -q package -DskipTests
}
