#!/usr/bin/env bash
# The real Apache Kafka broker, single node in KRaft mode, without Docker.
#   dev/kafka.sh fetch | start | stop | status | reset | bootstrap
# Jars come from Maven Central into a cache outside git; data lives under .run/kafka.
#
# KAFKA_NODES=3: a cluster of three KRaft nodes on this machine (each broker and controller, a
# quorum of three), data under .run/kafka-cluster/node<N>; brokers on KAFKA_CLUSTER_PORTS
# (9092 9192 9292), controllers on KAFKA_CLUSTER_CONTROLLER_PORTS (9093 9193 9293); topics
# replicated three times with min.insync.replicas=2. `start` starts whichever nodes are not
# running (a node killed in a test comes back the same way); `start-node N`, `stop-node N` one.
#
# SECURE=1: the secure profile, on 127.0.0.1:9094 with data under .run/kafka-secure:
# SASL/SCRAM-SHA-512 over TLS (a local CA made on first use), the StandardAuthorizer with ACLs
# and no anonymous access. Logins for the admin and every service are written to
# .run/kafka-secure/credentials/<name>.env; membership's service-logins command grants their ACLs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECURE="${SECURE:-}"
[ "$SECURE" = 0 ] && SECURE=""
KAFKA_NODES="${KAFKA_NODES:-1}"
case "$KAFKA_NODES" in
  1) ;;
  3) [ -z "$SECURE" ] || die "the secure profile runs on one node (KAFKA_NODES=1)" ;;
  *) die "KAFKA_NODES is 1 or 3, not '$KAFKA_NODES'" ;;
esac
if [ "$KAFKA_NODES" = 3 ]; then
  read -r -a NODE_PORTS <<< "${KAFKA_CLUSTER_PORTS:-9092 9192 9292}"
  read -r -a NODE_CONTROLLER_PORTS <<< "${KAFKA_CLUSTER_CONTROLLER_PORTS:-9093 9193 9293}"
  [ ${#NODE_PORTS[@]} = 3 ] && [ ${#NODE_CONTROLLER_PORTS[@]} = 3 ] \
    || die "KAFKA_CLUSTER_PORTS and KAFKA_CLUSTER_CONTROLLER_PORTS name three ports each"
  KAFKA_PORT=${NODE_PORTS[0]}
  DATA="$RUN_DIR/kafka-cluster"
elif [ -n "$SECURE" ]; then
  KAFKA_PORT="${KAFKA_SECURE_PORT:-9094}"
  KAFKA_CONTROLLER_PORT="${KAFKA_SECURE_CONTROLLER_PORT:-9095}"
  DATA="$RUN_DIR/kafka-secure"
else
  KAFKA_PORT="${KAFKA_PORT:-9092}"
  KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
  DATA="$RUN_DIR/kafka"
fi
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
KAFKA_JVM=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
           -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties")
# KAFKA_QUICK_JIT=1 (make test sets it): only the JVM's quick compiler. The tests start and stop
# brokers many times and load them little; measured here, a broker's start-up took 18.5 s of CPU
# instead of 34 s, and its first idle half-minute 2.3 s instead of 7.
[ "${KAFKA_QUICK_JIT:-0}" = 1 ] && KAFKA_JVM+=(-XX:TieredStopAtLevel=1)
POM="$ROOT/dev/kafka/pom.xml"
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
TLS="$DATA/tls"
CREDENTIALS="$DATA/credentials"
PIDFILE="$DATA/broker.pid"
CONFIG="$DATA/server.properties"

# bootstrap: every broker's address, as clients are given them.
bootstrap() {
  if [ "$KAFKA_NODES" = 1 ]; then echo "127.0.0.1:$KAFKA_PORT"; return; fi
  local addresses=() port
  for port in "${NODE_PORTS[@]}"; do addresses+=("127.0.0.1:$port"); done
  (IFS=,; echo "${addresses[*]}")
}

external() {
  # A bootstrap address other than the local broker's means someone else runs Kafka.
  [ -z "$SECURE" ] && [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ "$KAFKA_BOOTSTRAP_SERVERS" != "$(bootstrap)" ] \
    && [ "$KAFKA_BOOTSTRAP_SERVERS" != "127.0.0.1:$KAFKA_PORT" ] && [ "$KAFKA_BOOTSTRAP_SERVERS" != "localhost:$KAFKA_PORT" ]
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

# node_properties ID VOTERS PORT CONTROLLER_PORT LISTENER PROTOCOL REPLICAS MIN_ISR LOG_DIR:
# one KRaft node that is both a broker and a controller (a voter of VOTERS).
node_properties() {
  local id=$1 voters=$2 port=$3 controller_port=$4 listener=$5 protocol=$6 replicas=$7 min_isr=$8
  cat <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=$listener://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=$listener://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=$listener
listener.security.protocol.map=$listener:$protocol,CONTROLLER:$protocol
log.dirs=$9
num.partitions=1
default.replication.factor=$replicas
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
# An offset commit is answered once the group coordinator has written it; the default 5 ms of
# linger to batch those writes was 5 ms on every batch every consumer applies.
group.coordinator.append.linger.ms=0
auto.create.topics.enable=false
unclean.leader.election.enable=false
log.cleaner.backoff.ms=1000
PROPS
}

# single_node_properties LISTENER PROTOCOL: the one node of the default and secure profiles.
single_node_properties() {
  node_properties 1 "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" \
    "$1" "$2" 1 1 "$DATA/logs"
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

# cluster_node_properties N: node N of three, each a broker and a voter of the controller quorum;
# topics replicated three times, a write acknowledged once two nodes hold it.
cluster_node_properties() {
  local n=$1 voters=() i
  for i in 1 2 3; do voters+=("$i@127.0.0.1:${NODE_CONTROLLER_PORTS[$((i - 1))]}"); done
  node_properties "$n" "$(IFS=,; echo "${voters[*]}")" "${NODE_PORTS[$((n - 1))]}" \
    "${NODE_CONTROLLER_PORTS[$((n - 1))]}" PLAINTEXT PLAINTEXT 3 2 "$DATA/node$n/logs"
  # The nodes share one machine: a node that stops answering is fenced after 4 s, not 9.
  printf 'broker.session.timeout.ms=4000\nbroker.heartbeat.interval.ms=1000\n'
}

# start_cluster [N…]: start the given nodes (all three by default) that are not running.
start_cluster() {
  local n started=0 nodes=("$@")
  [ $# -gt 0 ] || nodes=(1 2 3)
  fetch
  [ -s "$DATA/cluster-id" ] || { mkdir -p "$DATA"; java_cp kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 > "$DATA/cluster-id"; }
  for n in "${nodes[@]}"; do
    local node="$DATA/node$n" port=${NODE_PORTS[$((n - 1))]}
    if pid_alive "$node/broker.pid"; then continue; fi
    if port_open 127.0.0.1 "$port"; then
      pid_alive "$RUN_DIR/kafka/broker.pid" && die "the single-node broker runs on port $port: 'make down' first"
      die "port $port (node $n) is taken by another process; set KAFKA_CLUSTER_PORTS"
    fi
    mkdir -p "$node/logs"
    cluster_node_properties "$n" > "$node/server.properties"
    if [ ! -f "$node/logs/meta.properties" ]; then
      java_cp kafka.tools.StorageTool format -t "$(cat "$DATA/cluster-id")" -c "$node/server.properties" \
          --ignore-formatted >"$node/format.log" 2>&1 \
        || { cat "$node/format.log" >&2; die "formatting node $n's storage failed"; }
    fi
    nohup java "${KAFKA_JVM[@]}" -cp "$LIBS/*" kafka.Kafka "$node/server.properties" >>"$node/broker.log" 2>&1 &
    echo $! > "$node/broker.pid"
    say "starting Kafka $KAFKA_VERSION node $n on 127.0.0.1:$port (log: $node/broker.log)"
    started=$((started + 1))
  done
  [ "$started" -gt 0 ] || say "node(s) ${nodes[*]} already running"
  wait_ready
}

stop_cluster() {
  # All at once: a node stopped after the others has no controller quorum left to hand its
  # partitions to, and would wait for it until killed.
  local n
  for n in 1 2 3; do
    pid_alive "$DATA/node$n/broker.pid" && kill -TERM "$(cat "$DATA/node$n/broker.pid")" 2>/dev/null
  done
  for n in 1 2 3; do stop_pidfile "$DATA/node$n/broker.pid" "kafka node $n" 60; done
}

# The storage tool runs for a second: the quick compiler and the serial collector start fastest
# (1.2 s of CPU instead of 1.8 here).
java_cp() { java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$LIBS/*" -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" "$@"; }

start() {
  if external; then say "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS: using that broker, starting none"; return 0; fi
  if [ "$KAFKA_NODES" = 3 ]; then start_cluster; return; fi
  if pid_alive "$PIDFILE"; then say "broker already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT"; wait_ready; return 0; fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then
    pid_alive "$RUN_DIR/kafka-cluster/node1/broker.pid" && die "the three-node cluster runs on port $KAFKA_PORT: 'make down' first (or KAFKA_NODES=3)"
    die "port $KAFKA_PORT is taken by another process; set KAFKA_PORT or KAFKA_BOOTSTRAP_SERVERS"
  fi
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
  nohup java "${KAFKA_JVM[@]}" -cp "$LIBS/*" kafka.Kafka "$CONFIG" >>"$DATA/broker.log" 2>&1 &
  echo $! > "$PIDFILE"
  wait_ready
  if [ -n "$SECURE" ]; then
    for name in membership vacancies mentoring notify trainings ingest outreach exchange; do credential "$name" >/dev/null; done
    ( set -a; source "$(credential admin)"; set +a
      "$ROOT/.venv/bin/python" -m myndnet_membership.commands service-logins "$CREDENTIALS" ) \
      || die "could not create the services' logins and ACLs"
    say "secure profile: logins in $CREDENTIALS/<name>.env, CA certificate $TLS/ca.pem"
  fi
}

wait_ready() {
  # The port opens before the broker can serve metadata; ask it like a client does.
  local bootstrap nodes=1 n; bootstrap=$(bootstrap)
  if [ "$KAFKA_NODES" = 3 ]; then
    # Ready when every running node serves as a broker (a restarted one has rejoined).
    nodes=0; for n in 1 2 3; do pid_alive "$DATA/node$n/broker.pid" && nodes=$((nodes + 1)); done
  fi
  if ! ( if [ -n "$SECURE" ]; then set -a; source "$(credential admin)"; set +a; fi
         "$ROOT/.venv/bin/python" "$ROOT/dev/wait_kafka.py" "$bootstrap" 90 "$nodes" ); then
    tail -n 30 "$DATA"/broker.log "$DATA"/node*/broker.log >&2 2>/dev/null || true
    die "Kafka did not become ready on $bootstrap"
  fi
  say "Kafka ready on $bootstrap"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  bootstrap) bootstrap ;;
  start-node)
    [ "$KAFKA_NODES" = 3 ] || die "start-node is for the cluster (KAFKA_NODES=3)"
    start_cluster "${2:?which node}" ;;
  stop-node)
    [ "$KAFKA_NODES" = 3 ] || die "stop-node is for the cluster (KAFKA_NODES=3)"
    stop_pidfile "$DATA/node${2:?which node}/broker.pid" "kafka node $2" 60 ;;
  stop)
    if external; then say "external Kafka: nothing to stop"; exit 0; fi
    if [ "$KAFKA_NODES" = 3 ]; then stop_cluster; exit 0; fi
    stop_pidfile "$PIDFILE" kafka 60
    # `make down` stops the cluster too, whichever make up started it.
    if [ -z "$SECURE" ] && [ -d "$RUN_DIR/kafka-cluster" ]; then
      DATA="$RUN_DIR/kafka-cluster"; stop_cluster
    fi
    # `make down` stops the secure profile's broker too, whichever make up started it.
    if [ -z "$SECURE" ] && pid_alive "$RUN_DIR/kafka-secure/broker.pid"; then
      stop_pidfile "$RUN_DIR/kafka-secure/broker.pid" "kafka (secure)" 60
    fi ;;
  status)
    if [ "$KAFKA_NODES" = 3 ]; then
      up=0; for n in 1 2 3; do pid_alive "$DATA/node$n/broker.pid" && up=$((up + 1)); done
      say "$up of 3 nodes running"; [ "$up" = 3 ] || exit 1
    elif pid_alive "$PIDFILE"; then say "running (pid $(cat "$PIDFILE"))"; else say "not running"; exit 1; fi ;;
  reset)
    if [ "$KAFKA_NODES" = 3 ]; then stop_cluster; else stop_pidfile "$PIDFILE" kafka 60; fi
    rm -rf "$DATA"; say "data removed" ;;
  *) echo "usage: $0 fetch|start|stop|start-node N|stop-node N|status|reset|bootstrap" >&2; exit 2 ;;
esac
