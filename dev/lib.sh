# Shared helpers for the dev scripts; sourced, never run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${MYNDNET_RUN_DIR:-$ROOT/.run}"
CACHE_DIR="${MYNDNET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/myndnet}"
mkdir -p "$RUN_DIR"

say() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# running PID: the process exists and is not a zombie (a stopped server whose parent has gone
# may stay a zombie until something reaps it; it listens on nothing).
running_pid() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}
pid_alive() { [ -f "$1" ] && running_pid "$(cat "$1")"; }

# stop_pidfile FILE NAME [SECONDS]: TERM, wait, then KILL; removes the pid file.
stop_pidfile() {
  local file=$1 name=$2 wait_s=${3:-30}
  if ! pid_alive "$file"; then rm -f "$file"; say "$name is not running"; return 0; fi
  local pid; pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq "$((wait_s * 10))"); do
    running_pid "$pid" || { rm -f "$file"; say "$name stopped"; return 0; }
    sleep 0.1
  done
  say "$name did not stop in ${wait_s}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
