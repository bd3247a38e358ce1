#!/usr/bin/env bash
# A local PostgreSQL cluster from Debian's package.
#   dev/postgres.sh install | start | stop | status | reset | where
# Data: under .run/postgres when the server's user can reach it (run as yourself, or an existing
# cluster there). PostgreSQL refuses to run as root, so as root it runs as the `postgres` user,
# which cannot enter a checkout in a private folder (mode 700, like /root): there the data lives
# in /var/lib/postgresql/myndnet/<checkout-id>/ and .run/postgres is a link to it.
# Its log keeps errors terse and without the statement: a refused row's DETAIL and the query's
# values may hold someone's address.
# Databases: one per service (myndnet_membership, ...; myndnet_secure_* for SECURE=1), created
# when missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PGPORT="${PGPORT:-5432}"
PG_USER="${PG_USER:-myndnet}"
PG_PASSWORD="${PG_PASSWORD:-myndnet}"
LINK="$RUN_DIR/postgres"
DATABASES=(myndnet_membership myndnet_vacancies myndnet_mentoring myndnet_notify myndnet_trainings myndnet_ingest myndnet_outreach myndnet_exchange myndnet_test)
# The secure profile keeps databases of its own, as its broker keeps its own data: what one
# network has published never shows up in the other.
DATABASES+=(myndnet_secure_membership myndnet_secure_vacancies myndnet_secure_mentoring myndnet_secure_notify
  myndnet_secure_trainings myndnet_secure_ingest myndnet_secure_outreach myndnet_secure_exchange)

# The server's binaries: the client package alone also has a bin/ folder (psql, pg_dump).
pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return; fi
  done
}

external() {
  # Any *_DATABASE_URL set in the environment means someone else runs PostgreSQL.
  env | grep -qE '^[A-Z]+_DATABASE_URL=' && ! env | grep -E '^[A-Z]+_DATABASE_URL=' \
    | grep -qE "@(127\.0\.0\.1|localhost):$PGPORT/"
}

install() {
  if [ -n "$(pg_bin)" ]; then return 0; fi
  say "installing Debian's postgresql package"
  [ "$(id -u)" = 0 ] || die "installing PostgreSQL needs root (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q 2>&1 | tail -n1 >&2
  apt-get install -y -q --no-install-recommends postgresql postgresql-contrib 2>&1 \
    | grep -E --line-buffered '^(Setting up|Unpacking) postgresql' | sed -u 's/^/  /' >&2 || true
  [ -n "$(pg_bin)" ] || die "postgresql did not install"
  # The package may start Debian's own cluster on our port; this project runs its own.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port && $4 == "online" {print $1, $2}' \
      | while read -r version cluster; do
          say "stopping Debian's default cluster $version/$cluster, which holds port $PGPORT"
          pg_ctlcluster "$version" "$cluster" stop || true
        done
  fi
}

# PostgreSQL refuses to run as root; as root, run its tools as the postgres user, from a folder
# it may enter (the checkout's may be private).
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

CLUSTERS=/var/lib/postgresql/myndnet
CLUSTER_ID="$RUN_DIR/postgres-cluster"   # which of $CLUSTERS is this checkout's
OWNER_FILE=myndnet-checkout              # in a cluster: the .run folder of its checkout

# data_dir: where this checkout's cluster lives (see the top of this file). Outside the checkout
# a cluster is this checkout's own, not its folder's: a clone made again where another was (the
# other's folder removed) starts on empty databases, as a fresh clone should.
data_dir() {
  if [ -d "$LINK" ] && [ ! -L "$LINK" ]; then echo "$LINK"; return; fi   # made here before
  if [ "$(id -u)" != 0 ]; then echo "$LINK"; return; fi
  if [ ! -s "$CLUSTER_ID" ]; then
    if [ -L "$LINK" ]; then basename "$(readlink "$LINK")" > "$CLUSTER_ID"  # an older version's
    else od -An -N6 -tx1 /dev/urandom | tr -d ' \n' > "$CLUSTER_ID"; fi
  fi
  echo "$CLUSTERS/$(cat "$CLUSTER_ID")"
}
DATA=$(data_dir)

# forget_orphans: remove the stopped clusters whose checkout is gone (its .run no longer names
# them): nothing can use them again. Clusters that name no checkout are left alone.
forget_orphans() {
  local cluster owner
  for cluster in "$CLUSTERS"/*/; do
    cluster=${cluster%/}
    [ "$cluster" = "$DATA" ] || [ ! -f "$cluster/$OWNER_FILE" ] && continue
    owner=$(cat "$cluster/$OWNER_FILE")
    [ "$(cat "$owner/postgres-cluster" 2>/dev/null)" = "$(basename "$cluster")" ] && continue
    as_pg "$(pg_bin)/pg_ctl" -D "$cluster" status >/dev/null 2>&1 && continue
    rm -rf "$cluster" && say "removed $cluster, the databases of a checkout that is gone ($owner)"
  done
}

running() { as_pg "$(pg_bin)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  if external; then say "a *_DATABASE_URL points elsewhere: using that PostgreSQL, starting none"; return 0; fi
  install
  local bin; bin=$(pg_bin)
  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "creating a cluster in $DATA"
    mkdir -p "$DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$DATA"; chmod 700 "$DATA"; fi
    as_pg test -w "$DATA" || die "the PostgreSQL user cannot write $DATA"
    local pwfile; pwfile=$(mktemp); echo "$PG_PASSWORD" > "$pwfile"; chmod 644 "$pwfile"
    as_pg "$bin/initdb" -D "$DATA" -U "$PG_USER" --pwfile="$pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$RUN_DIR/postgres-initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$RUN_DIR/postgres-initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  if [ "$DATA" != "$LINK" ]; then
    echo "$(cd "$RUN_DIR" && pwd -P)" > "$DATA/$OWNER_FILE"
    forget_orphans
  fi
  # Every start, not only the first: a checkout made again in the same folder finds the cluster
  # of the one before, and the fault tests find the server by this link.
  if [ "$DATA" != "$LINK" ]; then ln -sfn "$DATA" "$LINK"; fi
  if running; then
    say "PostgreSQL already running on 127.0.0.1:$PGPORT"
  else
    if port_open 127.0.0.1 "$PGPORT"; then die "port $PGPORT is taken by another process; set PGPORT or *_DATABASE_URL"; fi
    as_pg "$bin/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k /tmp -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c log_error_verbosity=terse -c log_min_error_statement=panic" \
      >/dev/null || { tail -n 20 "$DATA/server.log" >&2; die "PostgreSQL did not start"; }
    say "PostgreSQL started on 127.0.0.1:$PGPORT (log: $DATA/server.log)"
  fi
  for db in "${DATABASES[@]}"; do
    if ! as_pg "$bin/psql" -h /tmp -p "$PGPORT" -U "$PG_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      as_pg "$bin/createdb" -h /tmp -p "$PGPORT" -U "$PG_USER" "$db"
      say "created database $db"
    fi
  done
}

stop() {
  if external; then say "external PostgreSQL: nothing to stop"; return 0; fi
  if [ -z "$(pg_bin)" ] || [ ! -f "$DATA/PG_VERSION" ] || ! running; then say "PostgreSQL is not running"; return 0; fi
  as_pg "$(pg_bin)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && say "PostgreSQL stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running; then say "running on 127.0.0.1:$PGPORT"; else say "not running"; exit 1; fi ;;
  reset) stop; rm -rf "$DATA"; rm -f "$LINK" "$CLUSTER_ID"; say "data removed" ;;
  where) echo "$DATA" ;;
  *) echo "usage: $0 install|start|stop|status|reset|where" >&2; exit 2 ;;
esac
