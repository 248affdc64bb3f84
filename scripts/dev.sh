#!/usr/bin/env bash
# Quick start: one node on http://localhost:8080 with a local PostgreSQL (started here, in
# .devdb/) and the dev sign-in provider, where any typed name signs in. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-pg.sh

if [ -z "${CHAT_PG_URL:-}" ]; then
  start_local_pg
  trap stop_local_pg EXIT
fi
build_jar_if_stale

export CHAT_DEV_LOGIN="${CHAT_DEV_LOGIN:-true}"
java -jar target/chat.jar
