#!/usr/bin/env bash
# What a newcomer does, checked: clone the repository into a fresh private folder (mode 700, as
# `mktemp -d` and /root are), then on fresh servers `make up`, `make demo` and `make down`, and
# check that nothing is left listening. `make up` runs RUNS times (default 3), each on a freshly
# formatted broker and a new PostgreSQL cluster.
#   dev/first-run-check.sh [RUNS]
# The ports must be free: stop any running network (make down) first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${1:-3}
PORTS=(8000 8001 8002 8003 8004 8005 8006 8007 8008 9092 9093 5432 1025)

listening() {
  local open=()
  for port in "${PORTS[@]}"; do port_open 127.0.0.1 "$port" && open+=("$port"); done
  echo "${open[*]}"
}

busy=$(listening)
[ -z "$busy" ] || die "ports already in use before the check: $busy (make down first)"

folder=$(mktemp -d)
[ "$(stat -c %a "$folder")" = 700 ] || die "mktemp -d did not make a private folder"
clone="$folder/myndnet"
cleanup() {
  ( cd "$clone" 2>/dev/null && make --no-print-directory clean >/dev/null 2>&1 ) || true
  rm -rf "$folder"
}
trap cleanup EXIT

git clone --quiet "$ROOT" "$clone"
say "cloned $(git -C "$clone" rev-parse --short HEAD) into $clone (folder mode 700)"
cd "$clone"

for run in $(seq "$RUNS"); do
  start=$(date +%s)
  make --no-print-directory up > "$folder/up-$run.log" 2>&1 \
    || { tail -n 40 "$folder/up-$run.log" >&2; die "run $run: make up failed"; }
  up_s=$(( $(date +%s) - start ))
  say "run $run: make up on fresh servers succeeded in ${up_s}s"
  if [ "$run" = 1 ]; then
    start=$(date +%s)
    make --no-print-directory demo > "$folder/demo.log" 2>&1 \
      || { tail -n 40 "$folder/demo.log" >&2; die "make demo failed"; }
    grep -q "Open vacancies per agency" "$folder/demo.log" \
      || { tail -n 40 "$folder/demo.log" >&2; die "make demo printed no summary"; }
    say "run $run: make demo printed its summary in $(( $(date +%s) - start ))s"
  fi
  make --no-print-directory down > "$folder/down-$run.log" 2>&1 \
    || { tail -n 20 "$folder/down-$run.log" >&2; die "run $run: make down failed"; }
  left=$(listening)
  [ -z "$left" ] || die "run $run: still listening after make down: $left"
  say "run $run: make down left ports ${PORTS[*]} closed"
  make --no-print-directory clean > /dev/null 2>&1   # the next run starts on fresh servers
done
say "first run checked $RUNS times from a private folder"
