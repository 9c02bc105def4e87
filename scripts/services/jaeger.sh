# shellcheck shell=bash
# The `jaeger` component of scripts/services.sh (sourced by it): a Jaeger all-in-one (v1) with in-memory
# storage, the real receiver the OpenTelemetry export tests send the gateway's spans to. It accepts
# OTLP/HTTP at SWITCHYARD_JAEGER_OTLP_URL (default http://127.0.0.1:54318, `/v1/traces`) and answers
# its query API at SWITCHYARD_JAEGER_QUERY_URL (default http://127.0.0.1:56686, `/api/traces?service=`).
# Every listener is bound to loopback; nothing is kept on disk but its log in $SERVICES_DIR/jaeger.
#
# The binary is built from the Go module proxy once into $TOOLS_DIR/jaeger-$VERSION/. The module has a
# `replace` directive, so `go install …@version` refuses it: the build goes through a throwaway module
# that requires it as a tool (`go get -tool`), then `go build` (ten minutes or more on two busy cores).

export SWITCHYARD_JAEGER_VERSION="${SWITCHYARD_JAEGER_VERSION:-v1.75.0}"
JAEGER_OTLP_URL="${SWITCHYARD_JAEGER_OTLP_URL:-http://127.0.0.1:54318}"
JAEGER_QUERY_URL="${SWITCHYARD_JAEGER_QUERY_URL:-http://127.0.0.1:56686}"
# The listeners the tests do not use, moved off Jaeger's defaults (and onto loopback) all the same.
JAEGER_OTLP_GRPC_PORT="${SWITCHYARD_JAEGER_OTLP_GRPC_PORT:-54317}"
JAEGER_ADMIN_PORT="${SWITCHYARD_JAEGER_ADMIN_PORT:-54269}"
JAEGER_COLLECTOR_GRPC_PORT="${SWITCHYARD_JAEGER_COLLECTOR_GRPC_PORT:-54250}"
JAEGER_COLLECTOR_HTTP_PORT="${SWITCHYARD_JAEGER_COLLECTOR_HTTP_PORT:-54268}"
JAEGER_QUERY_GRPC_PORT="${SWITCHYARD_JAEGER_QUERY_GRPC_PORT:-56685}"

jaeger_paths() {
  JAEGER_BIN="$TOOLS_DIR/jaeger-$SWITCHYARD_JAEGER_VERSION/jaeger-all-in-one"
  JAEGER_DIR="$SERVICES_DIR/jaeger"
  parse_url "$JAEGER_OTLP_URL"
  JAEGER_OTLP_HOST="$URL_HOST"
  JAEGER_OTLP_PORT="${URL_PORT:-80}"
  parse_url "$JAEGER_QUERY_URL"
  JAEGER_QUERY_HOST="$URL_HOST"
  JAEGER_QUERY_PORT="${URL_PORT:-80}"
}

jaeger_build() {
  [ -x "$JAEGER_BIN" ] && return 0
  local started staging
  started="$(date +%s)"
  staging="$(dirname "$JAEGER_BIN")/.partial"
  say "jaeger: building the all-in-one $SWITCHYARD_JAEGER_VERSION from the Go module proxy (ten minutes or more the first time)"
  rm -rf "$staging"
  mkdir -p "$staging/module"
  printf 'module switchyard.local/jaeger-tool\n\ngo 1.24\n' >"$staging/module/go.mod"
  (cd "$staging/module" &&
    go get -tool "github.com/jaegertracing/jaeger/cmd/all-in-one@$SWITCHYARD_JAEGER_VERSION" >&2 &&
    go build -trimpath -ldflags '-s -w' -o "$staging/jaeger-all-in-one" github.com/jaegertracing/jaeger/cmd/all-in-one >&2) ||
    die "jaeger: building github.com/jaegertracing/jaeger/cmd/all-in-one@$SWITCHYARD_JAEGER_VERSION failed"
  mv "$staging/jaeger-all-in-one" "$JAEGER_BIN"
  rm -rf "$staging"
  say "jaeger: all-in-one built in $(elapsed "$started")"
}

ensure_jaeger_built() {
  [ -x "$JAEGER_BIN" ] && return 0
  command -v go >/dev/null || apt_install golang-go ca-certificates
  mkdir -p "$(dirname "$JAEGER_BIN")"
  with_tools_lock jaeger_build
}

# The query API answers once the collector side is up too (both start together).
jaeger_ready() { [ "$(http_status GET "${JAEGER_QUERY_URL%/}/api/services")" = 200 ]; }

jaeger_up() {
  jaeger_paths
  local pid i started
  if pid="$(pid_of jaeger jaeger-all-in-one)"; then
    jaeger_ready || die "jaeger-all-in-one (pid $pid) runs but ${JAEGER_QUERY_URL%/}/api/services does not answer 200"
    say "jaeger already running: OTLP $JAEGER_OTLP_URL, query $JAEGER_QUERY_URL (pid $pid)"
    return 0
  fi
  if port_open "$JAEGER_QUERY_HOST" "$JAEGER_QUERY_PORT"; then
    jaeger_ready || die "something listens on $JAEGER_QUERY_HOST:$JAEGER_QUERY_PORT but it is not a ready Jaeger"
    port_open "$JAEGER_OTLP_HOST" "$JAEGER_OTLP_PORT" || die "the Jaeger at $JAEGER_QUERY_URL does not accept OTLP at $JAEGER_OTLP_URL"
    say "jaeger: reusing the server at $JAEGER_QUERY_URL (not started here, never stopped here)"
    return 0
  fi
  is_loopback "$JAEGER_QUERY_HOST" && is_loopback "$JAEGER_OTLP_HOST" ||
    die "$JAEGER_QUERY_URL does not answer and $JAEGER_QUERY_URL or $JAEGER_OTLP_URL is not a loopback address to start it on"
  ensure_jaeger_built

  mkdir -p "$JAEGER_DIR"
  started="$(date +%s)"
  say "jaeger: starting the all-in-one $SWITCHYARD_JAEGER_VERSION (OTLP $JAEGER_OTLP_URL, query $JAEGER_QUERY_URL, in-memory storage)"
  pid="$(
    cd "$JAEGER_DIR" &&
      SPAN_STORAGE_TYPE=memory \
      start_detached "$JAEGER_DIR/jaeger.log" "$JAEGER_BIN" \
      --memory.max-traces=100000 \
      --collector.otlp.enabled=true \
      --collector.otlp.http.host-port="$JAEGER_OTLP_HOST:$JAEGER_OTLP_PORT" \
      --collector.otlp.grpc.host-port="$JAEGER_OTLP_HOST:$JAEGER_OTLP_GRPC_PORT" \
      --collector.grpc-server.host-port="$JAEGER_OTLP_HOST:$JAEGER_COLLECTOR_GRPC_PORT" \
      --collector.http-server.host-port="$JAEGER_OTLP_HOST:$JAEGER_COLLECTOR_HTTP_PORT" \
      --query.http-server.host-port="$JAEGER_QUERY_HOST:$JAEGER_QUERY_PORT" \
      --query.grpc-server.host-port="$JAEGER_QUERY_HOST:$JAEGER_QUERY_GRPC_PORT" \
      --admin.http.host-port="$JAEGER_QUERY_HOST:$JAEGER_ADMIN_PORT" \
      --log-level=warn
  )"
  echo "$pid" >"$JAEGER_DIR/server.pid"
  for ((i = 0; i < 1200; i++)); do
    if jaeger_ready && port_open "$JAEGER_OTLP_HOST" "$JAEGER_OTLP_PORT"; then
      say "jaeger ready: OTLP $JAEGER_OTLP_URL, query $JAEGER_QUERY_URL (in $(elapsed "$started"))"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log_tail "$JAEGER_DIR/jaeger.log"
  die "jaeger did not answer ${JAEGER_QUERY_URL%/}/api/services with 200"
}

jaeger_down() {
  jaeger_paths
  local pid
  if ! pid="$(pid_of jaeger jaeger-all-in-one)"; then
    rm -f "$JAEGER_DIR/server.pid"
    left_alone_or_stopped jaeger "$JAEGER_QUERY_HOST" "$JAEGER_QUERY_PORT"
    return 0
  fi
  say "jaeger: stopping (pid $pid)"
  stop_pid jaeger "$pid" 30
}

jaeger_status() {
  jaeger_paths
  status_line jaeger jaeger-all-in-one "$JAEGER_QUERY_HOST:$JAEGER_QUERY_PORT" "OTLP $JAEGER_OTLP_URL, query $JAEGER_QUERY_URL"
}
