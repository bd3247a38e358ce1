#!/usr/bin/env bash
# The real Apache Kafka broker, single node in KRaft mode, without Docker.
#   dev/kafka.sh fetch | start | stop | status | reset
# Jars come from Maven Central into a cache outside git; data lives under .run/kafka.
#
# SECURE=1: the secure profile, on 127.0.0.1:9094 with data under .run/kafka-secure:
# SASL/SCRAM-SHA-512 over TLS (a local CA made on first use), the StandardAuthorizer with ACLs
# and no anonymous access. Logins for the admin and every service are written to
# .run/kafka-secure/credentials/<name>.env; membership's service-logins command grants their ACLs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECURE="${SECURE:-}"
[ "$SECURE" = 0 ] && SECURE=""
if [ -n "$SECURE" ]; then
  KAFKA_PORT="${KAFKA_SECURE_PORT:-9094}"
  KAFKA_CONTROLLER_PORT="${KAFKA_SECURE_CONTROLLER_PORT:-9095}"
  DATA="$RUN_DIR/kafka-secure"
else
  KAFKA_PORT="${KAFKA_PORT:-9092}"
  KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
  DATA="$RUN_DIR/kafka"
fi
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
POM="$ROOT/dev/kafka/pom.xml"
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
TLS="$DATA/tls"
CREDENTIALS="$DATA/credentials"
PIDFILE="$DATA/broker.pid"
CONFIG="$DATA/server.properties"

external() {
  # A bootstrap address other than the local broker's means someone else runs Kafka.
  [ -z "$SECURE" ] && [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ "$KAFKA_BOOTSTRAP_SERVERS" != "127.0.0.1:$KAFKA_PORT" ] \
    && [ "$KAFKA_BOOTSTRAP_SERVERS" != "localhost:$KAFKA_PORT" ]
}

fetch() {
  if [ -f "$LIBS/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka: apt-get install maven"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka: apt-get install openjdk-17-jre-headless"
  say "fetching Apache Kafka $KAFKA_VERSION and its dependencies from Maven Central into $LIBS"
  rm -rf "$LIBS"; mkdir -p "$LIBS"
  mvn -B -ntp -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$LIBS" \
    | grep -E --line-buffered 'BUILD|ERROR' | sed -u 's/^/  /' >&2 || true
  ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven did not deliver the Kafka jars (see above)"
  touch "$LIBS/.complete"
  say "fetched $(ls "$LIBS"/*.jar | wc -l) jars"
}

secret() { "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))'; }

make_tls() {
  # A local CA and the broker's certificate for 127.0.0.1 and localhost, made once.
  if [ -f "$TLS/broker.p12" ]; then return 0; fi
  if ! command -v openssl >/dev/null; then
    # The test suite runs the secure profile too, so a fresh machine gets openssl as it gets
    # PostgreSQL: from Debian's packages.
    [ "$(id -u)" = 0 ] || die "openssl is needed for the secure profile: apt-get install openssl"
    say "installing Debian's openssl package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssl >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssl >/dev/null; } \
      || die "openssl did not install"
  fi
  mkdir -p "$TLS"; chmod 700 "$TLS"
  say "making a local CA and the broker's certificate in $TLS"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=Myndnet local CA" \
    -keyout "$TLS/ca.key" -out "$TLS/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$TLS/broker.key" -out "$TLS/broker.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$TLS/san.ext"
  openssl x509 -req -in "$TLS/broker.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
    -CAcreateserial -days 825 -extfile "$TLS/san.ext" -out "$TLS/broker.pem" 2>/dev/null
  secret > "$TLS/store-password"
  openssl pkcs12 -export -in "$TLS/broker.pem" -inkey "$TLS/broker.key" -certfile "$TLS/ca.pem" \
    -name broker -passout "file:$TLS/store-password" -out "$TLS/broker.p12"
  chmod 600 "$TLS"/*
}

# credential NAME: the login's env file (made with a new password the first time).
credential() {
  local file="$CREDENTIALS/$1.env"
  if [ ! -s "$file" ]; then
    mkdir -p "$CREDENTIALS"; chmod 700 "$CREDENTIALS"
    ( umask 077; cat > "$file" <<ENV
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
KAFKA_SASL_USERNAME=$1
KAFKA_SASL_PASSWORD=$(secret)
KAFKA_SSL_CAFILE=$TLS/ca.pem
ENV
    )
  fi
  echo "$file"
}

password_of() { sed -n 's/^KAFKA_SASL_PASSWORD=//p' "$(credential "$1")"; }

# single_node_properties LISTENER PROTOCOL: one broker and controller in one process.
single_node_properties() {
  cat <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$1://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$1://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=$1
listener.security.protocol.map=$1:$2,CONTROLLER:$2
log.dirs=$DATA/logs
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.backoff.ms=1000
PROPS
}

write_config() {
  mkdir -p "$DATA/logs"
  if [ -n "$SECURE" ]; then write_secure_config; return; fi
  single_node_properties PLAINTEXT PLAINTEXT > "$CONFIG"
}

write_secure_config() {
  make_tls
  [ -s "$DATA/controller-password" ] || ( umask 077; secret > "$DATA/controller-password" )
  local store_pw controller_pw admin_pw
  store_pw=$(cat "$TLS/store-password"); controller_pw=$(cat "$DATA/controller-password")
  admin_pw=$(password_of admin)
  ( umask 077; single_node_properties BROKER SASL_SSL > "$CONFIG"; cat >> "$CONFIG" <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.broker.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$controller_pw" user_controller="$controller_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS/broker.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
ssl.endpoint.identification.algorithm=https
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller
PROPS
  )
}

java_cp() { java -Xmx256m -cp "$LIBS/*" -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" "$@"; }

start() {
  if external; then say "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS: using that broker, starting none"; return 0; fi
  if pid_alive "$PIDFILE"; then say "broker already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT"; wait_ready; return 0; fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then die "port $KAFKA_PORT is taken by another process; set KAFKA_PORT or KAFKA_BOOTSTRAP_SERVERS"; fi
  fetch
  write_config
  if [ ! -f "$DATA/logs/meta.properties" ]; then
    local cluster_id; cluster_id=$(java_cp kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    say "formatting KRaft storage (cluster $cluster_id)"
    local scram=()
    [ -n "$SECURE" ] && scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(password_of admin)]")
    java_cp kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" --ignore-formatted "${scram[@]}" >"$DATA/format.log" 2>&1 \
      || { cat "$DATA/format.log" >&2; die "formatting storage failed"; }
  fi
  say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $DATA/broker.log)"
  KAFKA_JVM=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
             -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties")
  nohup java "${KAFKA_JVM[@]}" -cp "$LIBS/*" kafka.Kafka "$CONFIG" >>"$DATA/broker.log" 2>&1 &
  echo $! > "$PIDFILE"
  wait_ready
  if [ -n "$SECURE" ]; then
    for name in membership vacancies mentoring notify trainings ingest; do credential "$name" >/dev/null; done
    ( set -a; source "$(credential admin)"; set +a
      "$ROOT/.venv/bin/python" -m myndnet_membership.commands service-logins "$CREDENTIALS" ) \
      || die "could not create the services' logins and ACLs"
    say "secure profile: logins in $CREDENTIALS/<name>.env, CA certificate $TLS/ca.pem"
  fi
}

wait_ready() {
  # The port opens before the broker can serve metadata; ask it like a client does.
  local bootstrap="127.0.0.1:$KAFKA_PORT"
  if ! ( if [ -n "$SECURE" ]; then set -a; source "$(credential admin)"; set +a; fi
         "$ROOT/.venv/bin/python" "$ROOT/dev/wait_kafka.py" "$bootstrap" 90 ); then
    tail -n 30 "$DATA/broker.log" >&2 || true
    die "Kafka did not become ready on $bootstrap"
  fi
  say "Kafka ready on $bootstrap"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop)
    if external; then say "external Kafka: nothing to stop"; exit 0; fi
    stop_pidfile "$PIDFILE" kafka 60
    # `make down` stops the secure profile's broker too, whichever make up started it.
    if [ -z "$SECURE" ] && pid_alive "$RUN_DIR/kafka-secure/broker.pid"; then
      stop_pidfile "$RUN_DIR/kafka-secure/broker.pid" "kafka (secure)" 60
    fi ;;
  status) if pid_alive "$PIDFILE"; then say "running (pid $(cat "$PIDFILE"))"; else say "not running"; exit 1; fi ;;
  reset) stop_pidfile "$PIDFILE" kafka 60; rm -rf "$DATA"; say "data removed" ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
