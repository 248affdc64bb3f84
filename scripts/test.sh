#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (PostgreSQL server binaries,
# Chromium and its colour emoji font, Prometheus and promtool, openssl from Debian's packages) when missing, then builds and tests with Maven (with CI=true
# also the 10-minute soak), and builds the benchmark's load generator (without running it).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Prometheus and promtool for PrometheusStackTest (ops/prometheus, ops/grafana).
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need+=(prometheus)
# The event-bus TLS tests make their CA and node certificates with it, at test time.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Colour emoji for the browser tests' screenshots (reactions); the tests pass without it.
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# CI (CI=true) also runs the bounded 10-minute soak (SoakTest, profile `soak`); it adds ~11 minutes.
profiles=()
if [ "${CI:-}" = true ]; then profiles+=(-Psoak); fi
mvn -B verify ${profiles[@]+"${profiles[@]}"} "$@"
# The load generator is its own Maven project (never run here); build it so it keeps compiling.
mvn -B -q -f bench/pom.xml package
