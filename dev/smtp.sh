#!/usr/bin/env bash
# The local SMTP sink (aiosmtpd): dev/smtp.sh start | stop | status. Mail lands in .run/mail/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SMTP_HOST="${SMTP_HOST:-127.0.0.1}"
SMTP_PORT="${SMTP_PORT:-1025}"
PIDFILE="$RUN_DIR/smtp-sink.pid"
MAILDIR="$RUN_DIR/mail"

start() {
  if [ "$SMTP_HOST" != 127.0.0.1 ] && [ "$SMTP_HOST" != localhost ]; then
    say "SMTP_HOST=$SMTP_HOST: using that server, starting none"; return 0
  fi
  if pid_alive "$PIDFILE"; then say "SMTP sink already running on $SMTP_HOST:$SMTP_PORT"; return 0; fi
  port_open "$SMTP_HOST" "$SMTP_PORT" && die "port $SMTP_PORT is taken by another process; set SMTP_PORT"
  nohup "$ROOT/.venv/bin/python" "$ROOT/dev/smtp_sink.py" --host "$SMTP_HOST" --port "$SMTP_PORT" \
    --maildir "$MAILDIR" >>"$RUN_DIR/smtp-sink.log" 2>&1 &
  echo $! > "$PIDFILE"
  for _ in $(seq 100); do port_open "$SMTP_HOST" "$SMTP_PORT" && break; sleep 0.1; done
  port_open "$SMTP_HOST" "$SMTP_PORT" || { cat "$RUN_DIR/smtp-sink.log" >&2; die "SMTP sink did not start"; }
  say "SMTP sink on $SMTP_HOST:$SMTP_PORT, mail in $MAILDIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop_pidfile "$PIDFILE" "SMTP sink" 10 ;;
  status) if pid_alive "$PIDFILE"; then say "running on $SMTP_HOST:$SMTP_PORT"; else say "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
