#!/usr/bin/env bash
# Starts and stops the network's services in the background, logs under .run/services/.
#   dev/services.sh start | stop | status
# `start` returns once every service's /health/ready answers 200, then prints where things are.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS="$RUN_DIR/services"; mkdir -p "$LOGS"
declare -A DEFAULT_PORT=([web]=8000 [membership]=8001 [vacancies]=8002 [mentoring]=8003 [notify]=8004 [trainings]=8005 [ingest]=8006 [outreach]=8007 [exchange]=8008)
SERVICES=()
# web last: it is ready once the services it reads answer.
for name in membership vacancies mentoring notify trainings ingest outreach exchange web; do
  [ -f "$ROOT/services/$name/pyproject.toml" ] && SERVICES+=("$name")
done

port_of() {
  local var; var="$(echo "$1" | tr a-z A-Z)_PORT"
  echo "${!var:-${DEFAULT_PORT[$1]}}"
}

# local_secret FILE WHAT: a random secret kept in FILE (mode 600), made the first time.
local_secret() {
  local file=$1
  if [ ! -s "$file" ]; then
    "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$file"
    chmod 600 "$file"
    say "generated $2: $file"
  fi
  cat "$file"
}

operator_tokens() {
  # Without OPERATOR_TOKENS, one local token with every right, kept in .run/operator-token.
  if [ -n "${OPERATOR_TOKENS:-}" ]; then return 0; fi
  local token; token=$(local_secret "$RUN_DIR/operator-token" "a local operator token with every right")
  export OPERATOR_TOKENS="$token=*"
  # The site signs people up on their behalf with it (notify:relay is among its rights).
  export WEB_NOTIFY_TOKEN="${WEB_NOTIFY_TOKEN:-$token}"
  # Staff sign in through membership with it (membership:sign-in is among its rights).
  export WEB_MEMBERSHIP_TOKEN="${WEB_MEMBERSHIP_TOKEN:-$token}"
  # The console reads figures and dead letters and acts in the other services with it.
  export WEB_CONSOLE_TOKEN="${WEB_CONSOLE_TOKEN:-$token}"
  # Outreach hands its registrations' letters to notify with it (notify:letters is among them).
  export OUTREACH_NOTIFY_TOKEN="${OUTREACH_NOTIFY_TOKEN:-$token}"
  # Exchange hands its letters to notify with it too.
  export EXCHANGE_NOTIFY_TOKEN="${EXCHANGE_NOTIFY_TOKEN:-$token}"
}

link_signing_key() {
  # notify signs the links in its mail (mentoring answers and check-ins, training confirm and
  # cancel); mentoring and trainings trust them: one shared key.
  if [ -n "${LINK_SIGNING_KEY:-}" ]; then return 0; fi
  LINK_SIGNING_KEY=$(local_secret "$RUN_DIR/link-signing-key" "the key that signs people's links")
  export LINK_SIGNING_KEY
}

staff_sign_in() {
  # The site signs staff's session cookies; without NETWORK_COORDINATORS the network's
  # coordinator is samordnare@myndnet.test (its mail lands in the local sink like all mail).
  if [ -z "${SESSION_SIGNING_KEY:-}" ]; then
    SESSION_SIGNING_KEY=$(local_secret "$RUN_DIR/session-signing-key" "the key that signs staff's sessions")
    export SESSION_SIGNING_KEY
  fi
  export NETWORK_COORDINATORS="${NETWORK_COORDINATORS:-samordnare@myndnet.test}"
  echo "$NETWORK_COORDINATORS" > "$RUN_DIR/coordinator"
}

# failed NAME WHAT: tell the person which service failed, how, and what to try; stop the rest.
failed() {
  local name=$1 what=$2 log="$LOGS/$1.log"
  say "error: $name $what"
  if [ -s "$log" ]; then
    say "the last lines of $log:"
    tail -n 15 "$log" | sed 's/^/    /' >&2
  fi
  say "what to try: read the whole log above; 'make down && make up' starts again"
  say "  (a broker or database left by an older version: 'make clean' removes .run/ and its data)"
  for other in "${SERVICES[@]}"; do stop_pidfile "$LOGS/$other.pid" "$other" 20 2>/dev/null; done
  exit 1
}

# wait_ready NAME: until /health/ready answers 200. A service whose start-up fails for good
# exits by itself; one that keeps waiting for something is given READY_TIMEOUT seconds.
wait_ready() {
  local name=$1 port; port=$(port_of "$1")
  local deadline=$(( $(date +%s) + ${READY_TIMEOUT:-180} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null; then return 0; fi
    if ! pid_alive "$LOGS/$name.pid"; then failed "$name" "exited during start-up"; fi
    sleep 0.5
  done
  local why; why=$(curl -sS "http://127.0.0.1:$port/health/ready" 2>&1 || true)
  failed "$name" "did not become ready on port $port in ${READY_TIMEOUT:-180}s (readiness: $why)"
}

kafka_cluster() {
  # KAFKA_NODES=3 (dev/kafka.sh's cluster): every broker's address, topics replicated three times.
  if [ "${KAFKA_NODES:-1}" = 1 ]; then return 0; fi
  KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-$(bash "$ROOT/dev/kafka.sh" bootstrap)}"
  export KAFKA_BOOTSTRAP_SERVERS TOPIC_REPLICATION_FACTOR="${TOPIC_REPLICATION_FACTOR:-3}"
  say "Kafka cluster: $KAFKA_BOOTSTRAP_SERVERS, topics replicated $TOPIC_REPLICATION_FACTOR times"
}

case "${1:-}" in
  start)
    if [ ${#SERVICES[@]} -eq 0 ]; then say "no services in services/ yet"; exit 0; fi
    kafka_cluster
    operator_tokens
    link_signing_key
    staff_sign_in
    for name in "${SERVICES[@]}"; do
      pidfile="$LOGS/$name.pid"
      if pid_alive "$pidfile"; then say "$name already running"; continue; fi
      (
        if [ -n "${SECURE:-}" ] && [ "$SECURE" != 0 ] && [ "$name" != web ]; then
          # The secure profile: the service logs in to Kafka as itself (dev/kafka.sh made it).
          login="$RUN_DIR/kafka-secure/credentials/$name.env"
          [ -s "$login" ] || die "no Kafka login for $name at $login: start Kafka with SECURE=1 first"
          set -a; source "$login"; set +a
          var="$(echo "$name" | tr a-z A-Z)_DATABASE_URL"
          export "$var=${!var:-postgresql://myndnet:myndnet@127.0.0.1:${PGPORT:-5432}/myndnet_secure_$name}"
        fi
        exec nohup "$ROOT/.venv/bin/python" -m "myndnet_$name" >>"$LOGS/$name.log" 2>&1
      ) &
      echo $! > "$pidfile"; say "started $name (log: $LOGS/$name.log)"
    done
    for name in "${SERVICES[@]}"; do wait_ready "$name"; done
    say "every service is ready:"
    if [[ " ${SERVICES[*]} " == *" web "* ]]; then
      printf '  %-11s http://127.0.0.1:%s/  (the public site; English under /en/)\n' "site" "$(port_of web)" >&2
    fi
    for name in "${SERVICES[@]}"; do
      [ "$name" = web ] && continue
      port=$(port_of "$name")
      printf '  %-11s http://127.0.0.1:%s  (API docs /docs, AsyncAPI /asyncapi)\n' "$name" "$port" >&2
    done
    say "operator token: $RUN_DIR/operator-token; e-mail lands in $RUN_DIR/mail/new/"
    say "staff sign in at /logga-in; the network's coordinator: $(cat "$RUN_DIR/coordinator")" ;;
  stop)
    for name in "${SERVICES[@]}"; do stop_pidfile "$LOGS/$name.pid" "$name" 20; done ;;
  status)
    for name in "${SERVICES[@]}"; do
      if pid_alive "$LOGS/$name.pid"; then say "$name running"; else say "$name not running"; fi
    done ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
