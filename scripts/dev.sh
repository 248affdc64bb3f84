#!/usr/bin/env bash
# Quick start: one node on http://localhost:8080 with a local PostgreSQL (started here, in
# .devdb/) and the dev sign-in provider, where any typed name signs in. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT="${CHAT_DEV_PG_PORT:-54329}"
DATA="$PWD/.devdb"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ ! -f "$DATA/pg/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
  as_pg "$BIN/initdb" -D "$DATA/pg" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
fi
if ! as_pg "$BIN/pg_ctl" -D "$DATA/pg" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DATA/pg" -l "$DATA/pg.log" -w \
    -o "-p $PG_PORT -k $DATA -c listen_addresses=127.0.0.1" start >/dev/null
fi
trap 'as_pg "$BIN/pg_ctl" -D "$DATA/pg" -m fast stop >/dev/null 2>&1 || true' EXIT
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'chat'" \
  | grep -q 1 || as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chat

[ -f target/chat.jar ] && [ -z "$(find src webroot conf pom.xml -newer target/chat.jar -print -quit)" ] \
  || mvn -B -q package -DskipTests

export CHAT_PG_URL="${CHAT_PG_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/chat}"
export CHAT_DEV_LOGIN="${CHAT_DEV_LOGIN:-true}"
java -jar target/chat.jar
