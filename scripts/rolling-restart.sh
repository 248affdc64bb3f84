#!/usr/bin/env bash
# Restarts the nodes of a cluster one at a time, each with the settings it runs with now:
#   scripts/rolling-restart.sh NODE...      NODE = PIDFILE or PIDFILE=BASE_URL
# PIDFILE holds the pid of a node's java process (e.g. `java -jar target/chat.jar & echo $! > n1.pid`).
# For each node in turn: SIGTERM, wait for the process to exit (it drains; STOP_TIMEOUT s, by
# default the node's CHAT_DRAIN_SECONDS + 40, as a node bounds its shutdown to 30 s), start
# the same command line again with the same environment and working directory (read from
# /proc/<pid> before the stop), write its new pid to PIDFILE, wait until BASE_URL/ready answers
# 200 (READY_TIMEOUT s, default 120), and only then go on. BASE_URL defaults to
# http://127.0.0.1:<the node's CHAT_HTTP_PORT, else 8080>. Output goes where the old process
# wrote, if that was a file, else to PIDFILE's name with .log. Stops with a non-zero status and says why at the first node that
# does not stop or become ready in time, or if a node is not ready before its turn.
set -euo pipefail
shopt -s inherit_errexit

READY_TIMEOUT="${READY_TIMEOUT:-120}"

fail() { echo "rolling restart FAILED: $*" >&2; exit 1; }
ready() { curl -fsS -o /dev/null --max-time 2 "$1/ready" 2>/dev/null; }
now() { date +%s.%N; }
alive() { # pid: running, and not a zombie its parent has yet to reap
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$#" -gt 0 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ "${STOP_TIMEOUT:-0}" =~ ^[0-9]+$ && "$READY_TIMEOUT" =~ ^[0-9]+$ ]] || fail "STOP_TIMEOUT and READY_TIMEOUT must be whole seconds"
command -v curl >/dev/null || fail "curl is needed to ask /ready"

pid_of() { # pidfile: the pid of a running process, or fail
  local pid
  pid="$({ tr -d '[:space:]' < "$1"; } 2>/dev/null)" || fail "cannot read pid file $1"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || fail "$1: pid '$pid' is not a running process"
  echo "$pid"
}

setting() { # name, pid, default: the value of a CHAT_* variable in the node's environment
  local value
  value="$(tr '\0' '\n' < "/proc/$2/environ" | sed -n "s/^$1=//p" | tail -1)"
  echo "${value:-$3}"
}

url_of() { # node argument, pid: the node's base URL
  if [[ "$1" == *=* ]]; then echo "${1#*=}"; else echo "http://127.0.0.1:$(setting CHAT_HTTP_PORT "$2" 8080)"; fi
}

# Every node must be up and ready before any goes down: never take a second node out.
for node in "$@"; do
  pidfile="${node%%=*}"
  pid="$(pid_of "$pidfile")"
  url="$(url_of "$node" "$pid")"
  ready "$url" || fail "$pidfile: $url/ready does not answer 200; not restarting anything"
done

for node in "$@"; do
  pidfile="${node%%=*}"
  pid="$(pid_of "$pidfile")"
  url="$(url_of "$node" "$pid")"
  ready "$url" || fail "$pidfile: $url/ready does not answer 200 before its turn; stopping here"
  # What to start again: the same command, environment and directory.
  mapfile -d '' cmd < "/proc/$pid/cmdline"
  mapfile -d '' envs < "/proc/$pid/environ"
  dir="$(readlink "/proc/$pid/cwd")"
  log="$(readlink "/proc/$pid/fd/1" || true)"
  [ -f "$log" ] || log="${pidfile%.pid}.log"
  drain="$(setting CHAT_DRAIN_SECONDS "$pid" 0)"
  [[ "$drain" =~ ^[0-9]+$ ]] || drain=0
  stop_timeout="${STOP_TIMEOUT:-$((drain + 40))}"
  started="$(now)"

  echo "$pidfile: SIGTERM to pid $pid ($url)"
  kill -TERM "$pid"
  deadline=$((SECONDS + stop_timeout))
  while alive "$pid"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$pidfile: pid $pid did not exit within ${stop_timeout}s of SIGTERM"
    sleep 0.2
  done
  echo "$pidfile: stopped after $(since "$started") s; starting it again"

  (cd "$dir" && exec nohup env -i "${envs[@]}" "${cmd[@]}" >>"$log" 2>&1 </dev/null) &
  newpid=$!
  echo "$newpid" > "$pidfile"
  deadline=$((SECONDS + READY_TIMEOUT))
  until ready "$url"; do
    alive "$newpid" || { tail -5 "$log" >&2; fail "$pidfile: the new process exited; its log: $log"; }
    [ "$SECONDS" -lt "$deadline" ] || fail "$pidfile: $url/ready not 200 within ${READY_TIMEOUT}s of the start (pid $newpid, log $log)"
    sleep 0.5
  done
  echo "$pidfile: ready again as pid $newpid, restarted in $(since "$started") s"
done
echo "rolling restart done: $# node(s)"
