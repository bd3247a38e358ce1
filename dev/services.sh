#!/usr/bin/env bash
# Starts and stops the network's services in the background, logs under .run/services/.
#   dev/services.sh start | stop | status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS="$RUN_DIR/services"; mkdir -p "$LOGS"
SERVICES=()
for dir in "$ROOT"/services/*/; do
  [ -f "$dir/pyproject.toml" ] && SERVICES+=("$(basename "$dir")")
done

case "${1:-}" in
  start)
    if [ ${#SERVICES[@]} -eq 0 ]; then say "no services in services/ yet"; exit 0; fi
    for name in "${SERVICES[@]}"; do
      pidfile="$LOGS/$name.pid"
      if pid_alive "$pidfile"; then say "$name already running"; continue; fi
      nohup "$ROOT/.venv/bin/python" -m "myndnet_$name" >>"$LOGS/$name.log" 2>&1 &
      echo $! > "$pidfile"; say "started $name (log: $LOGS/$name.log)"
    done ;;
  stop)
    for name in "${SERVICES[@]}"; do stop_pidfile "$LOGS/$name.pid" "$name" 20; done ;;
  status)
    for name in "${SERVICES[@]}"; do
      if pid_alive "$LOGS/$name.pid"; then say "$name running"; else say "$name not running"; fi
    done ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
