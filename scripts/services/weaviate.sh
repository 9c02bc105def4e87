# shellcheck shell=bash
# The `weaviate` component of scripts/services.sh (sourced by it): a one-node Weaviate server for the
# vector store's integration tests, REST at SWITCHYARD_WEAVIATE_URL (default http://127.0.0.1:58080) and
# gRPC at SWITCHYARD_WEAVIATE_GRPC_ADDRESS (default 127.0.0.1:58051), an API key required (random, made at
# the first start, kept in $SERVICES_DIR/weaviate/api-key), no modules, no telemetry, its data in
# $SERVICES_DIR/weaviate. weaviate-server is built from the Go module proxy once
# (go install; ten minutes or more on two busy cores) into $TOOLS_DIR/weaviate-$VERSION/.
#
# Weaviate binds its REST port and cluster traffic to loopback, but its gRPC and Raft listeners take no
# address: they listen on every interface of this machine. Hence the API key: nothing is answered there
# without it (weaviate_api_key reads it back, for scripts/test.sh, from the file or the running server).

export SWITCHYARD_WEAVIATE_VERSION="${SWITCHYARD_WEAVIATE_VERSION:-v1.35.2}"
WEAVIATE_URL="${SWITCHYARD_WEAVIATE_URL:-http://127.0.0.1:58080}"
WEAVIATE_GRPC_ADDRESS="${SWITCHYARD_WEAVIATE_GRPC_ADDRESS:-127.0.0.1:58051}"
# Cluster ports of the one node: gossip (and data on the next port), Raft (and its RPC on the next port).
WEAVIATE_GOSSIP_PORT="${SWITCHYARD_WEAVIATE_GOSSIP_PORT:-58946}"
WEAVIATE_RAFT_PORT="${SWITCHYARD_WEAVIATE_RAFT_PORT:-58300}"

weaviate_paths() {
  WEAVIATE_BIN="$TOOLS_DIR/weaviate-$SWITCHYARD_WEAVIATE_VERSION/weaviate-server"
  WEAVIATE_DIR="$SERVICES_DIR/weaviate"
  parse_url "$WEAVIATE_URL"
  WEAVIATE_HOST="$URL_HOST"
  WEAVIATE_PORT="${URL_PORT:-80}"
  WEAVIATE_GRPC_PORT="${WEAVIATE_GRPC_ADDRESS##*:}"
}

weaviate_build() {
  [ -x "$WEAVIATE_BIN" ] && return 0
  local started staging
  started="$(date +%s)"
  staging="$(dirname "$WEAVIATE_BIN")/.partial"
  say "weaviate: building weaviate-server $SWITCHYARD_WEAVIATE_VERSION from the Go module proxy (go install; ten minutes or more the first time)"
  rm -rf "$staging"
  mkdir -p "$staging"
  (cd "$staging" && GOBIN="$staging" \
    go install -trimpath -ldflags '-s -w' "github.com/weaviate/weaviate/cmd/weaviate-server@$SWITCHYARD_WEAVIATE_VERSION" >&2) ||
    die "weaviate: go install github.com/weaviate/weaviate/cmd/weaviate-server@$SWITCHYARD_WEAVIATE_VERSION failed"
  mv "$staging/weaviate-server" "$WEAVIATE_BIN"
  rm -rf "$staging"
  say "weaviate: weaviate-server built in $(elapsed "$started")"
}

ensure_weaviate_built() {
  [ -x "$WEAVIATE_BIN" ] && return 0
  command -v go >/dev/null || apt_install golang-go ca-certificates
  mkdir -p "$(dirname "$WEAVIATE_BIN")"
  with_tools_lock weaviate_build
}

weaviate_ready() { [ "$(http_status GET "${WEAVIATE_URL%/}/v1/.well-known/ready")" = 200 ]; }

weaviate_up() {
  weaviate_paths
  local pid i started
  if pid="$(pid_of weaviate weaviate-server)"; then
    weaviate_ready || die "weaviate-server (pid $pid) runs but ${WEAVIATE_URL%/}/v1/.well-known/ready does not answer 200"
    say "weaviate already running on $WEAVIATE_HOST:$WEAVIATE_PORT (pid $pid)"
    return 0
  fi
  if port_open "$WEAVIATE_HOST" "$WEAVIATE_PORT"; then
    weaviate_ready || die "something listens on $WEAVIATE_HOST:$WEAVIATE_PORT but it is not a ready Weaviate"
    say "weaviate: reusing the server at $WEAVIATE_URL (not started here, never stopped here)"
    return 0
  fi
  is_loopback "$WEAVIATE_HOST" || die "$WEAVIATE_URL does not answer and is not a loopback address to start it on"
  ensure_weaviate_built

  mkdir -p "$WEAVIATE_DIR/data"
  if [ ! -s "$WEAVIATE_DIR/api-key" ]; then
    (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$WEAVIATE_DIR/api-key")
  fi
  started="$(date +%s)"
  say "weaviate: starting weaviate-server $SWITCHYARD_WEAVIATE_VERSION on $WEAVIATE_HOST:$WEAVIATE_PORT (gRPC $WEAVIATE_GRPC_PORT)"
  pid="$(
    cd "$WEAVIATE_DIR" &&
      PERSISTENCE_DATA_PATH="$WEAVIATE_DIR/data" \
      AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false \
      AUTHENTICATION_APIKEY_ENABLED=true \
      AUTHENTICATION_APIKEY_ALLOWED_KEYS="$(cat "$WEAVIATE_DIR/api-key")" \
      AUTHENTICATION_APIKEY_USERS=switchyard-tests \
      DEFAULT_VECTORIZER_MODULE=none \
      ENABLE_MODULES= \
      DISABLE_TELEMETRY=true \
      GO_PROFILING_DISABLE=true \
      PROMETHEUS_MONITORING_ENABLED=false \
      QUERY_DEFAULTS_LIMIT=25 \
      GRPC_PORT="$WEAVIATE_GRPC_PORT" \
      CLUSTER_HOSTNAME=node1 \
      CLUSTER_BIND_ADDR=127.0.0.1 \
      CLUSTER_ADVERTISE_ADDR=127.0.0.1 \
      CLUSTER_GOSSIP_BIND_PORT="$WEAVIATE_GOSSIP_PORT" \
      CLUSTER_DATA_BIND_PORT="$((WEAVIATE_GOSSIP_PORT + 1))" \
      RAFT_PORT="$WEAVIATE_RAFT_PORT" \
      RAFT_INTERNAL_RPC_PORT="$((WEAVIATE_RAFT_PORT + 1))" \
      RAFT_BOOTSTRAP_EXPECT=1 \
      LOG_LEVEL=warning \
      start_detached "$WEAVIATE_DIR/weaviate.log" "$WEAVIATE_BIN" --host "$WEAVIATE_HOST" --port "$WEAVIATE_PORT" --scheme http
  )"
  echo "$pid" >"$WEAVIATE_DIR/server.pid"
  # The first start elects the one-node Raft cluster: a few seconds, more on a busy machine.
  for ((i = 0; i < 1200; i++)); do
    if weaviate_ready; then
      say "weaviate ready: $WEAVIATE_URL, gRPC $WEAVIATE_GRPC_ADDRESS (in $(elapsed "$started"))"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log_tail "$WEAVIATE_DIR/weaviate.log"
  die "weaviate did not answer ${WEAVIATE_URL%/}/v1/.well-known/ready with 200"
}

weaviate_down() {
  weaviate_paths
  local pid
  if ! pid="$(pid_of weaviate weaviate-server)"; then
    rm -f "$WEAVIATE_DIR/server.pid"
    left_alone_or_stopped weaviate "$WEAVIATE_HOST" "$WEAVIATE_PORT"
    return 0
  fi
  say "weaviate: stopping (pid $pid)"
  stop_pid weaviate "$pid" 30
}

# The API key of the Weaviate answering at $WEAVIATE_URL: from this folder's key file, or from the environment of
# the running server (one started from another checkout's folder, which this one reuses).
weaviate_api_key() {
  weaviate_paths
  local pid
  if pid="$(pid_of weaviate weaviate-server)" || pid="$(pgrep -f "weaviate-server --host $WEAVIATE_HOST --port $WEAVIATE_PORT" | head -n1)"; then
    if [ -r "/proc/$pid/environ" ]; then
      tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^AUTHENTICATION_APIKEY_ALLOWED_KEYS=//p'
      return 0
    fi
  fi
  [ -s "$WEAVIATE_DIR/api-key" ] && cat "$WEAVIATE_DIR/api-key"
}

weaviate_status() {
  weaviate_paths
  status_line weaviate weaviate-server "$WEAVIATE_HOST:$WEAVIATE_PORT" "$WEAVIATE_URL (gRPC $WEAVIATE_GRPC_ADDRESS)"
}
