# shellcheck shell=bash
# The `kubernetes` component of scripts/services.sh (sourced by it): a real Kubernetes control plane on
# loopback, with no nodes — etcd, kube-apiserver (strict RBAC, a token of its own) and
# kube-controller-manager (Deployments get ReplicaSets, HPAs are reconciled) — plus the CRDs of the
# kinds the Helm chart renders. Pods are never scheduled: there is no kubelet or container runtime.
#
# Its kubeconfig is $SERVICES_DIR/kubernetes/kubeconfig; helm, kubectl and the servers are built from the
# Go module proxy by build-tools.sh beside this file, into $TOOLS_DIR, once. The kubeconfig is also left
# in $TOOLS_DIR/kubernetes-clusters/ (shared by every services dir), so that another services dir finds
# and reuses a control plane already running at the same address, as it does the other servers.

export SWITCHYARD_HELM_VERSION="${SWITCHYARD_HELM_VERSION:-v4.3.2}"
export SWITCHYARD_ETCD_VERSION="${SWITCHYARD_ETCD_VERSION:-v3.7.3}"
export SWITCHYARD_KUBERNETES_VERSION="${SWITCHYARD_KUBERNETES_VERSION:-v1.35.4}"
export SWITCHYARD_HELM_UNITTEST_VERSION="${SWITCHYARD_HELM_UNITTEST_VERSION:-v1.1.2}"
KUBE_APISERVER_URL="${SWITCHYARD_KUBE_APISERVER_URL:-https://127.0.0.1:56443}"
KUBE_ETCD_PORT="${SWITCHYARD_KUBE_ETCD_PORT:-52379}"
KUBE_CONTROLLER_MANAGER_PORT="${SWITCHYARD_KUBE_CONTROLLER_MANAGER_PORT:-56257}"

kubernetes_paths() {
  KUBE_DIR="$SERVICES_DIR/kubernetes"
  KUBE_BIN="$TOOLS_DIR/kubernetes-$SWITCHYARD_KUBERNETES_VERSION"
  ETCD_BIN="$TOOLS_DIR/etcd-$SWITCHYARD_ETCD_VERSION/etcd"
  KUBECONFIG_FILE="$KUBE_DIR/kubeconfig"
  parse_url "$KUBE_APISERVER_URL"
  KUBE_HOST="$URL_HOST"
  KUBE_PORT="${URL_PORT:-6443}"
  SHARED_KUBECONFIG="$TOOLS_DIR/kubernetes-clusters/$KUBE_HOST-$KUBE_PORT.kubeconfig"
}

kubernetes_built() {
  [ -x "$KUBE_BIN/kube-apiserver" ] && [ -x "$KUBE_BIN/kube-controller-manager" ] && [ -x "$KUBE_BIN/kubectl" ] &&
    [ -x "$ETCD_BIN" ] && [ -x "$TOOLS_DIR/helm-$SWITCHYARD_HELM_VERSION/helm" ] &&
    [ -x "$TOOLS_DIR/helm-unittest-$SWITCHYARD_HELM_UNITTEST_VERSION/untt" ] &&
    [ -f "$("$SUPPORT/kubernetes/build-tools.sh" "$TOOLS_DIR" crds-dir)/.complete" ]
}

ensure_kubernetes_built() {
  kubernetes_built && return 0
  with_tools_lock "$SUPPORT/kubernetes/build-tools.sh" "$TOOLS_DIR" helm helm-unittest etcd kubernetes crds
}

# https_status URL: the status of an authenticated GET, or 000 when nothing answers.
kube_status() {
  curl -s -k -o /dev/null -m 5 -H "Authorization: Bearer $(cat "$KUBE_DIR/token")" -w '%{http_code}' "$1" || true
}

# wait_until SECONDS PID COMMAND...: polls COMMAND every 0.2 s while PID lives.
wait_until() {
  local seconds="$1" pid="$2" i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

etcd_healthy() { [ "$(http_status GET "http://$KUBE_HOST:$KUBE_ETCD_PORT/health")" = 200 ]; }
apiserver_ready() { [ "$(kube_status "$KUBE_APISERVER_URL/readyz")" = 200 ]; }
controller_manager_healthy() { [ "$(kube_status "https://$KUBE_HOST:$KUBE_CONTROLLER_MANAGER_PORT/healthz")" = 200 ]; }

kubectl_run() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# The service-account signing key and the admin token: made once, kept with the data.
kubernetes_credentials() {
  mkdir -p "$KUBE_DIR/pki" "$KUBE_DIR/certs"
  chmod 700 "$KUBE_DIR"
  if [ ! -s "$KUBE_DIR/pki/sa.key" ]; then
    openssl genrsa -out "$KUBE_DIR/pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$KUBE_DIR/pki/sa.key" -pubout -out "$KUBE_DIR/pki/sa.pub" 2>/dev/null
  fi
  if [ ! -s "$KUBE_DIR/token" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KUBE_DIR/token")
  fi
  (umask 077 && echo "$(cat "$KUBE_DIR/token"),admin,admin-uid,system:masters" >"$KUBE_DIR/tokens.csv")
  # The API server's certificate is self-signed (its own cert-dir): clients here skip verification.
  (umask 077 && cat >"$KUBECONFIG_FILE" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: switchyard-test
    cluster:
      server: $KUBE_APISERVER_URL
      insecure-skip-tls-verify: true
users:
  - name: admin
    user:
      token: $(cat "$KUBE_DIR/token")
contexts:
  - name: switchyard-test
    context:
      cluster: switchyard-test
      user: admin
current-context: switchyard-test
KUBECONFIG
  )
}

kubernetes_install_crds() {
  local crds
  crds="$("$SUPPORT/kubernetes/build-tools.sh" "$TOOLS_DIR" crds-dir)"
  kubectl_run apply --server-side --force-conflicts -f "$crds" -f "$SUPPORT/kubernetes/operator-stand-in-crds.yaml" >"$KUBE_DIR/crds.log" 2>&1 ||
    { log_tail "$KUBE_DIR/crds.log"; die "kubernetes: installing the CRDs failed"; }
  kubectl_run wait --for condition=established --timeout=60s crd --all >>"$KUBE_DIR/crds.log" 2>&1 ||
    { log_tail "$KUBE_DIR/crds.log"; die "kubernetes: the CRDs were not established within 60 s"; }
}

# A control plane already running gets this checkout's CRDs too (applying unchanged ones changes nothing),
# so that one started before a CRD changed validates against the new one.
kubernetes_refresh_crds() {
  with_tools_lock "$SUPPORT/kubernetes/build-tools.sh" "$TOOLS_DIR" crds
  kubernetes_install_crds
}

kubernetes_up() {
  kubernetes_paths
  local pid started
  is_loopback "$KUBE_HOST" || die "$KUBE_APISERVER_URL is not a loopback address to start kube-apiserver on"
  if pid="$(pid_of kubernetes/apiserver kube-apiserver)"; then
    apiserver_ready || die "kube-apiserver (pid $pid) runs but $KUBE_APISERVER_URL/readyz does not answer 200"
    kubernetes_refresh_crds
    say "kubernetes already running at $KUBE_APISERVER_URL (pid $pid; kubeconfig $KUBECONFIG_FILE)"
    return 0
  fi
  if port_open "$KUBE_HOST" "$KUBE_PORT"; then
    # Started from another services dir: reused (never stopped here) when its kubeconfig answers.
    if [ -s "$SHARED_KUBECONFIG" ] && [ -x "$KUBE_BIN/kubectl" ] &&
      [ "$("$KUBE_BIN/kubectl" --kubeconfig "$SHARED_KUBECONFIG" get --raw /readyz 2>/dev/null)" = ok ]; then
      mkdir -p "$KUBE_DIR"
      (umask 077 && cp "$SHARED_KUBECONFIG" "$KUBECONFIG_FILE")
      kubernetes_refresh_crds
      say "kubernetes: reusing the control plane at $KUBE_APISERVER_URL (not started here, never stopped here)"
      return 0
    fi
    die "something else listens on $KUBE_HOST:$KUBE_PORT (SWITCHYARD_KUBE_APISERVER_URL picks another port)"
  fi
  started="$(date +%s)"
  ensure_kubernetes_built
  mkdir -p "$KUBE_DIR"/{etcd,apiserver,controller-manager}
  kubernetes_credentials

  if ! pid="$(pid_of kubernetes/etcd etcd)"; then
    say "kubernetes: starting etcd on $KUBE_HOST:$KUBE_ETCD_PORT"
    pid="$(start_detached "$KUBE_DIR/etcd/etcd.log" "$ETCD_BIN" --name default --data-dir "$KUBE_DIR/etcd/data" \
      --listen-client-urls "http://$KUBE_HOST:$KUBE_ETCD_PORT" --advertise-client-urls "http://$KUBE_HOST:$KUBE_ETCD_PORT" \
      --listen-peer-urls "http://$KUBE_HOST:$((KUBE_ETCD_PORT + 1))" \
      --initial-advertise-peer-urls "http://$KUBE_HOST:$((KUBE_ETCD_PORT + 1))" \
      --initial-cluster "default=http://$KUBE_HOST:$((KUBE_ETCD_PORT + 1))")"
    echo "$pid" >"$KUBE_DIR/etcd/server.pid"
  fi
  wait_until 60 "$pid" etcd_healthy || { log_tail "$KUBE_DIR/etcd/etcd.log"; die "etcd did not become healthy"; }

  say "kubernetes: starting kube-apiserver $SWITCHYARD_KUBERNETES_VERSION at $KUBE_APISERVER_URL"
  pid="$(start_detached "$KUBE_DIR/apiserver/apiserver.log" "$KUBE_BIN/kube-apiserver" \
    --etcd-servers "http://$KUBE_HOST:$KUBE_ETCD_PORT" --bind-address "$KUBE_HOST" --advertise-address "$KUBE_HOST" \
    --secure-port "$KUBE_PORT" --cert-dir "$KUBE_DIR/certs" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$KUBE_DIR/pki/sa.pub" --service-account-signing-key-file "$KUBE_DIR/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --token-auth-file "$KUBE_DIR/tokens.csv" --authorization-mode RBAC \
    --enable-priority-and-fairness=false)"
  echo "$pid" >"$KUBE_DIR/apiserver/server.pid"
  wait_until 120 "$pid" apiserver_ready || { log_tail "$KUBE_DIR/apiserver/apiserver.log"; die "kube-apiserver did not answer /readyz"; }

  if ! pid="$(pid_of kubernetes/controller-manager kube-controller-manager)"; then
    say "kubernetes: starting kube-controller-manager"
    pid="$(start_detached "$KUBE_DIR/controller-manager/controller-manager.log" "$KUBE_BIN/kube-controller-manager" \
      --kubeconfig "$KUBECONFIG_FILE" --authentication-kubeconfig "$KUBECONFIG_FILE" --authorization-kubeconfig "$KUBECONFIG_FILE" \
      --bind-address "$KUBE_HOST" --secure-port "$KUBE_CONTROLLER_MANAGER_PORT" --cert-dir "$KUBE_DIR/controller-manager" \
      --leader-elect=false --service-account-private-key-file "$KUBE_DIR/pki/sa.key" \
      --root-ca-file "$KUBE_DIR/certs/apiserver.crt" --use-service-account-credentials=false \
      --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service')"
    echo "$pid" >"$KUBE_DIR/controller-manager/server.pid"
  fi
  wait_until 60 "$pid" controller_manager_healthy ||
    { log_tail "$KUBE_DIR/controller-manager/controller-manager.log"; die "kube-controller-manager did not answer /healthz"; }

  kubernetes_install_crds
  mkdir -p "$(dirname "$SHARED_KUBECONFIG")"
  (umask 077 && cp "$KUBECONFIG_FILE" "$SHARED_KUBECONFIG")
  say "kubernetes ready: $KUBE_APISERVER_URL (kubeconfig $KUBECONFIG_FILE; in $(elapsed "$started"))"
}

kubernetes_down() {
  kubernetes_paths
  local name word pid stopped=0
  if ! pid_of kubernetes/apiserver kube-apiserver >/dev/null; then
    left_alone_or_stopped kubernetes "$KUBE_HOST" "$KUBE_PORT"
  else
    rm -f "$SHARED_KUBECONFIG"
  fi
  # Stopped in the reverse order of starting; the API server takes ~15 s to finish.
  for name in controller-manager:kube-controller-manager apiserver:kube-apiserver etcd:etcd; do
    word="${name#*:}"
    name="kubernetes/${name%%:*}"
    if pid="$(pid_of "$name" "$word")"; then
      say "$name: stopping (pid $pid)"
      stop_pid "$name" "$pid" 40
      stopped=1
    else
      rm -f "$SERVICES_DIR/$name/server.pid"
    fi
  done
  [ "$stopped" -eq 0 ] || say "kubernetes: stopped"
}

kubernetes_status() {
  kubernetes_paths
  status_line kubernetes/apiserver kube-apiserver "$KUBE_HOST:$KUBE_PORT" "$KUBE_APISERVER_URL (kubeconfig $KUBECONFIG_FILE)"
}
