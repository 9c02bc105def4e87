# shellcheck shell=bash
# The `s3` component of scripts/services.sh (sourced by it): an S3-compatible object store for the cold
# storage tests, versitygw (Versity's S3 gateway) over a plain folder ($SERVICES_DIR/s3/data; buckets
# are folders, objects files), at SWITCHYARD_S3_URL (default http://127.0.0.1:58333), on loopback only,
# signed requests only: the access key SWITCHYARD_S3_ACCESS_KEY_ID (default `switchyard`) and secret
# SWITCHYARD_S3_SECRET_ACCESS_KEY (default `switchyard-test-secret`), region us-east-1. versitygw is
# built from the Go module proxy once (go install; a few minutes on two busy cores) into
# $TOOLS_DIR/versitygw-$VERSION/.

export SWITCHYARD_VERSITYGW_VERSION="${SWITCHYARD_VERSITYGW_VERSION:-v1.8.0}"
S3_URL="${SWITCHYARD_S3_URL:-http://127.0.0.1:58333}"
S3_ACCESS_KEY_ID="${SWITCHYARD_S3_ACCESS_KEY_ID:-switchyard}"
S3_SECRET_ACCESS_KEY="${SWITCHYARD_S3_SECRET_ACCESS_KEY:-switchyard-test-secret}"

s3_paths() {
  S3_BIN="$TOOLS_DIR/versitygw-$SWITCHYARD_VERSITYGW_VERSION/versitygw"
  S3_DIR="$SERVICES_DIR/s3"
  parse_url "$S3_URL"
  S3_HOST="$URL_HOST"
  S3_PORT="${URL_PORT:-80}"
}

s3_build() {
  [ -x "$S3_BIN" ] && return 0
  local started staging
  started="$(date +%s)"
  staging="$(dirname "$S3_BIN")/.partial"
  say "s3: building versitygw $SWITCHYARD_VERSITYGW_VERSION from the Go module proxy (go install; a few minutes the first time)"
  rm -rf "$staging"
  mkdir -p "$staging"
  (cd "$staging" && CGO_ENABLED=0 GOBIN="$staging" GOFLAGS=-mod=mod \
    go install -trimpath -ldflags '-s -w' "github.com/versity/versitygw/cmd/versitygw@$SWITCHYARD_VERSITYGW_VERSION" >&2) ||
    die "s3: go install github.com/versity/versitygw/cmd/versitygw@$SWITCHYARD_VERSITYGW_VERSION failed"
  mv "$staging/versitygw" "$S3_BIN"
  rm -rf "$staging"
  say "s3: versitygw built in $(elapsed "$started")"
}

ensure_s3_built() {
  [ -x "$S3_BIN" ] && return 0
  command -v go >/dev/null || apt_install golang-go ca-certificates
  mkdir -p "$(dirname "$S3_BIN")"
  with_tools_lock s3_build
}

# Unsigned requests are refused (403) by a running gateway; anything at all that answers HTTP there will
# do as "up", the signed check is left to the tests.
s3_answers() {
  local code
  code="$(http_status GET "${S3_URL%/}/")"
  [ "$code" != 000 ]
}

s3_up() {
  s3_paths
  local pid i started
  if pid="$(pid_of s3 versitygw)"; then
    s3_answers || die "versitygw (pid $pid) runs but ${S3_URL%/}/ does not answer"
    say "s3 already running on $S3_HOST:$S3_PORT (pid $pid)"
    return 0
  fi
  if port_open "$S3_HOST" "$S3_PORT"; then
    s3_answers || die "something listens on $S3_HOST:$S3_PORT but does not answer HTTP"
    say "s3: reusing the server at $S3_URL (not started here, never stopped here)"
    return 0
  fi
  is_loopback "$S3_HOST" || die "$S3_URL does not answer and is not a loopback address to start it on"
  ensure_s3_built

  mkdir -p "$S3_DIR/data"
  started="$(date +%s)"
  say "s3: starting versitygw $SWITCHYARD_VERSITYGW_VERSION on $S3_HOST:$S3_PORT"
  # The credentials go through the environment, not the command line (which any local user can read).
  # Object metadata is kept in sidecar files: the folder's file system need not support xattrs.
  mkdir -p "$S3_DIR/meta"
  pid="$(
    cd "$S3_DIR" &&
      ROOT_ACCESS_KEY="$S3_ACCESS_KEY_ID" \
      ROOT_SECRET_KEY="$S3_SECRET_ACCESS_KEY" \
      start_detached "$S3_DIR/versitygw.log" "$S3_BIN" --quiet --port "$S3_HOST:$S3_PORT" --region us-east-1 \
        posix --sidecar "$S3_DIR/meta" "$S3_DIR/data"
  )"
  echo "$pid" >"$S3_DIR/server.pid"
  for ((i = 0; i < 600; i++)); do
    if s3_answers; then
      say "s3 ready: $S3_URL (in $(elapsed "$started"))"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log_tail "$S3_DIR/versitygw.log"
  die "s3 (versitygw) did not answer at $S3_URL"
}

s3_down() {
  s3_paths
  local pid
  if ! pid="$(pid_of s3 versitygw)"; then
    rm -f "$S3_DIR/server.pid"
    left_alone_or_stopped s3 "$S3_HOST" "$S3_PORT"
    return 0
  fi
  say "s3: stopping (pid $pid)"
  stop_pid s3 "$pid" 30
}

s3_status() {
  s3_paths
  status_line s3 versitygw "$S3_HOST:$S3_PORT" "$S3_URL"
}
