#!/usr/bin/env bash
# The real Apache Kafka broker, single node in KRaft mode, without Docker.
#   dev/kafka.sh fetch | start | stop | status | reset
# Jars come from Maven Central into a cache outside git; data lives under .run/kafka.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
POM="$ROOT/dev/kafka/pom.xml"
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
DATA="$RUN_DIR/kafka"
PIDFILE="$DATA/broker.pid"
CONFIG="$DATA/server.properties"

external() {
  # A bootstrap address other than the local broker's means someone else runs Kafka.
  [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ "$KAFKA_BOOTSTRAP_SERVERS" != "127.0.0.1:$KAFKA_PORT" ] \
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

write_config() {
  mkdir -p "$DATA/logs"
  cat > "$CONFIG" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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
    java_cp kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" --ignore-formatted >"$DATA/format.log" 2>&1 \
      || { cat "$DATA/format.log" >&2; die "formatting storage failed"; }
  fi
  say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $DATA/broker.log)"
  KAFKA_JVM=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
             -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties")
  nohup java "${KAFKA_JVM[@]}" -cp "$LIBS/*" kafka.Kafka "$CONFIG" >>"$DATA/broker.log" 2>&1 &
  echo $! > "$PIDFILE"
  wait_ready
}

wait_ready() {
  # The port opens before the broker can serve metadata; ask it like a client does.
  local bootstrap="127.0.0.1:$KAFKA_PORT"
  if ! "$ROOT/.venv/bin/python" "$ROOT/dev/wait_kafka.py" "$bootstrap" 90; then
    tail -n 30 "$DATA/broker.log" >&2 || true
    die "Kafka did not become ready on $bootstrap"
  fi
  say "Kafka ready on $bootstrap"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) if external; then say "external Kafka: nothing to stop"; else stop_pidfile "$PIDFILE" kafka 60; fi ;;
  status) if pid_alive "$PIDFILE"; then say "running (pid $(cat "$PIDFILE"))"; else say "not running"; exit 1; fi ;;
  reset) stop_pidfile "$PIDFILE" kafka 60; rm -rf "$DATA"; say "data removed" ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
