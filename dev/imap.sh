#!/usr/bin/env bash
# A local IMAP server (Debian's dovecot-imapd) with one mailbox, for the tests of notify's
# bounce reader: dev/imap.sh start | stop | status | url
# It listens on 127.0.0.1:$IMAP_PORT (1143) without TLS, as a relay's bounce mailbox would with
# TLS in front; the user is `bounces` with a password generated once. Dovecot runs mail as the
# `mail` user, which cannot enter a checkout in a private folder: its files live in
# /var/lib/myndnet/imap/<checkout-id>/ (as root) or under .run/imap (as yourself).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAP_PORT="${IMAP_PORT:-1143}"
PASSWORD_FILE="$RUN_DIR/imap-password"

home() {
  if [ "$(id -u)" = 0 ]; then
    local id; id=$(printf '%s' "$(cd "$RUN_DIR" && pwd -P)" | sha256sum | cut -c1-12)
    echo "/var/lib/myndnet/imap/$id"
  else
    echo "$RUN_DIR/imap"
  fi
}

install() {
  command -v dovecot >/dev/null && [ -e /usr/lib/dovecot/imap ] && return 0
  [ "$(id -u)" = 0 ] || die "the IMAP tests need dovecot: apt-get install dovecot-imapd"
  say "installing Debian's dovecot-imapd package"
  export DEBIAN_FRONTEND=noninteractive
  # The package's own service is not started: policy-rc.d or no init; this script runs its own.
  apt-get install -y -q --no-install-recommends dovecot-imapd >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1; apt-get install -y -q --no-install-recommends dovecot-imapd >/dev/null; } \
    || die "dovecot-imapd did not install"
}

configure() {
  local dir=$1 user group
  if [ "$(id -u)" = 0 ]; then user=mail group=mail; else user=$(id -un) group=$(id -gn); fi
  mkdir -p "$dir/run" "$dir/mail"
  [ -s "$PASSWORD_FILE" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PASSWORD_FILE")
  (umask 077; printf 'bounces:{PLAIN}%s\n' "$(cat "$PASSWORD_FILE")" > "$dir/users")
  if [ "$(id -u)" = 0 ]; then
    chown -R "$user:$group" "$dir/mail"; chmod 755 "$dir" "$dir/run"
    chgrp dovecot "$dir/users"; chmod 640 "$dir/users"  # read by dovecot's auth process
  fi
  cat > "$dir/dovecot.conf" <<CONF
instance_name = myndnet-imap-$(basename "$dir")
base_dir = $dir/run
state_dir = $dir/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $dir/dovecot.log
first_valid_uid = $(id -u "$user")
first_valid_gid = $(getent group "$group" | cut -d: -f3)
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
CONF
  if [ "$(id -u)" != 0 ]; then
    # Unprivileged: dovecot's own users cannot be switched to.
    printf 'default_login_user = %s\ndefault_internal_user = %s\n' "$user" "$user" >> "$dir/dovecot.conf"
  fi
}

start() {
  install
  local dir; dir=$(home)
  if [ -f "$dir/run/master.pid" ] && running_pid "$(cat "$dir/run/master.pid")"; then
    say "IMAP server already running on 127.0.0.1:$IMAP_PORT"; return 0
  fi
  port_open 127.0.0.1 "$IMAP_PORT" && die "port $IMAP_PORT is taken by another process; set IMAP_PORT"
  configure "$dir"
  dovecot -c "$dir/dovecot.conf" || { tail -n 20 "$dir/dovecot.log" >&2 2>/dev/null; die "dovecot did not start"; }
  for _ in $(seq 100); do port_open 127.0.0.1 "$IMAP_PORT" && break; sleep 0.1; done
  port_open 127.0.0.1 "$IMAP_PORT" || { tail -n 20 "$dir/dovecot.log" >&2; die "dovecot is not listening"; }
  say "IMAP server on 127.0.0.1:$IMAP_PORT (user bounces, password in $PASSWORD_FILE)"
}

stop() {
  local dir; dir=$(home)
  if [ -f "$dir/dovecot.conf" ] && [ -f "$dir/run/master.pid" ] && running_pid "$(cat "$dir/run/master.pid")"; then
    dovecot -c "$dir/dovecot.conf" stop 2>/dev/null || true
    for _ in $(seq 100); do [ -f "$dir/run/master.pid" ] && running_pid "$(cat "$dir/run/master.pid")" || break; sleep 0.1; done
    say "IMAP server stopped"
  else
    say "IMAP server is not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) dir=$(home); if [ -f "$dir/run/master.pid" ] && running_pid "$(cat "$dir/run/master.pid")"; then say "running on 127.0.0.1:$IMAP_PORT"; else say "not running"; exit 1; fi ;;
  url) printf 'imap://bounces:%s@127.0.0.1:%s/INBOX\n' "$(cat "$PASSWORD_FILE")" "$IMAP_PORT" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
