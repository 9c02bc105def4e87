#!/usr/bin/env bash
# Builds the Kubernetes test tools from the Go module proxy, once, into a tools folder:
#
#   scripts/services/kubernetes/build-tools.sh TOOLS_DIR [helm|helm-unittest|etcd|kubernetes|crds ...]
#   scripts/services/kubernetes/build-tools.sh TOOLS_DIR crds-dir     prints the CRD folder
#
#   TOOLS_DIR/helm-<v>/helm                          helm v4 (server-side apply rejects unknown fields)
#   TOOLS_DIR/etcd-<v>/etcd                          etcd, kube-apiserver's store
#   TOOLS_DIR/kubernetes-<v>/kube-apiserver          the real API server
#   TOOLS_DIR/kubernetes-<v>/kube-controller-manager so Deployments get ReplicaSets
#   TOOLS_DIR/kubernetes-<v>/kubectl
#   TOOLS_DIR/helm-unittest-<v>/untt                 helm-unittest, the chart's unit tests (run on its own)
#   TOOLS_DIR/kubernetes-crds-<v>/*.yaml             CRDs of the kinds the chart renders (cert-manager,
#                                                    Gateway API, KEDA, Prometheus Operator), from the
#                                                    same projects' Go modules; Strimzi's Kafka and
#                                                    KafkaNodePool, generated from its API classes on
#                                                    Maven Central (java and mvn; strimzi-crds/pom.xml)
#
# Binaries are keyed by version, so a version change builds anew and an existing one is reused.
# Go's module and build caches live outside the repository: a rebuild on the same machine relinks in
# seconds; a new machine pays about six minutes (two cores) once.
set -euo pipefail

HELM_VERSION="${SWITCHYARD_HELM_VERSION:-v4.3.2}"
ETCD_VERSION="${SWITCHYARD_ETCD_VERSION:-v3.7.3}"
KUBERNETES_VERSION="${SWITCHYARD_KUBERNETES_VERSION:-v1.35.4}"
HELM_UNITTEST_VERSION="${SWITCHYARD_HELM_UNITTEST_VERSION:-v1.1.2}"
# The modules whose CRD files are installed into the test API server, and the files taken from each.
CRD_MODULES=(
  "github.com/cert-manager/cert-manager@v1.21.2 deploy/crds/cert-manager.io_certificates.yaml deploy/crds/cert-manager.io_issuers.yaml deploy/crds/cert-manager.io_clusterissuers.yaml deploy/crds/cert-manager.io_certificaterequests.yaml"
  "sigs.k8s.io/gateway-api@v1.6.3 config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml config/crd/standard/gateway.networking.k8s.io_gateways.yaml config/crd/standard/gateway.networking.k8s.io_httproutes.yaml config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml"
  "github.com/kedacore/keda/v2@v2.20.2 config/crd/bases/keda.sh_scaledobjects.yaml config/crd/bases/keda.sh_triggerauthentications.yaml"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
)
# Strimzi's API classes and CRD generator (versions in the pom), and the kinds generated from them, each
# with the file it is written to: the same arguments as Strimzi's own build of its released CRDs.
STRIMZI_POM="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/strimzi-crds/pom.xml"
STRIMZI_KINDS=(
  "io.strimzi.api.kafka.model.kafka.Kafka=kafka.strimzi.io_kafkas.yaml"
  "io.strimzi.api.kafka.model.nodepool.KafkaNodePool=kafka.strimzi.io_kafkanodepools.yaml"
)

say() { echo "kubernetes-tools: $*" >&2; }
die() { echo "kubernetes-tools: error: $*" >&2; exit 1; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

[ $# -ge 1 ] || die "usage: build-tools.sh TOOLS_DIR [helm|etcd|kubernetes|crds|crds-dir ...]"
TOOLS_DIR="$1"
shift
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(helm helm-unittest etcd kubernetes crds)
mkdir -p "$TOOLS_DIR"
TOOLS_DIR="$(cd "$TOOLS_DIR" && pwd)"
command -v go >/dev/null || die "go is needed (the Go toolchain builds these tools)"

# Builds into a staging folder and moves the result into place, so a cut-short build is never taken
# for a finished one.
staging_for() {
  local staging="$1/.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  echo "$staging"
}

build_helm() {
  local dir="$TOOLS_DIR/helm-$HELM_VERSION" staging started major
  [ -x "$dir/helm" ] && return 0
  started="$(date +%s)"
  major="${HELM_VERSION%%.*}"
  mkdir -p "$dir"
  staging="$(staging_for "$dir")"
  say "building helm $HELM_VERSION (go install)"
  (cd "$staging" && CGO_ENABLED=0 GOBIN="$staging" GOFLAGS=-mod=mod \
    go install -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/$major/cmd/helm@$HELM_VERSION" >&2) || die "go install helm.sh/helm/$major/cmd/helm@$HELM_VERSION failed"
  mv "$staging/helm" "$dir/helm"
  rm -rf "$staging"
  say "helm built in $(elapsed "$started")"
}

# etcd's go.mod has replace directives, so `go install pkg@version` refuses it: it is built from a
# small module of our own that requires it.
build_etcd() {
  local dir="$TOOLS_DIR/etcd-$ETCD_VERSION" staging started
  [ -x "$dir/etcd" ] && return 0
  started="$(date +%s)"
  mkdir -p "$dir"
  staging="$(staging_for "$dir")"
  say "building etcd $ETCD_VERSION (go build)"
  (
    cd "$staging"
    go mod init switchyard.local/etcd-build >/dev/null 2>&1
    printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -ldflags "-s -w" -o "$staging/etcd" go.etcd.io/etcd/server/v3 >&2
  ) || die "building etcd $ETCD_VERSION failed"
  mv "$staging/etcd" "$dir/etcd"
  rm -rf "$staging"
  say "etcd built in $(elapsed "$started")"
}

# helm-unittest's go.mod has a replace directive too, which only its own module honours: it is built
# inside a copy of its module.
build_helm_unittest() {
  local dir="$TOOLS_DIR/helm-unittest-$HELM_UNITTEST_VERSION" staging started source
  [ -x "$dir/untt" ] && return 0
  started="$(date +%s)"
  mkdir -p "$dir"
  staging="$(staging_for "$dir")"
  say "building helm-unittest $HELM_UNITTEST_VERSION (go build)"
  source="$(go mod download -json "github.com/helm-unittest/helm-unittest@$HELM_UNITTEST_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source" ] || die "go mod download github.com/helm-unittest/helm-unittest@$HELM_UNITTEST_VERSION failed"
  cp -R "$source" "$staging/module"
  chmod -R u+w "$staging/module"
  (cd "$staging/module" && CGO_ENABLED=0 go build -ldflags "-s -w" -o "$staging/untt" ./cmd/helm-unittest >&2) ||
    die "building helm-unittest $HELM_UNITTEST_VERSION failed"
  mv "$staging/untt" "$dir/untt"
  rm -rf "$staging"
  say "helm-unittest built in $(elapsed "$started")"
}

# k8s.io/kubernetes replaces its ~31 staging modules with ./staging/...; a module of our own requires
# it and points each staging module at its published v0.x.y twin instead.
build_kubernetes() {
  local dir="$TOOLS_DIR/kubernetes-$KUBERNETES_VERSION" staging started gomod minor staging_version ld binary
  [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kube-controller-manager" ] && [ -x "$dir/kubectl" ] && return 0
  started="$(date +%s)"
  mkdir -p "$dir"
  staging="$(staging_for "$dir")"
  minor="$(cut -d. -f2 <<<"$KUBERNETES_VERSION")"
  staging_version="v0.${KUBERNETES_VERSION#v1.}"
  say "building kube-apiserver, kube-controller-manager and kubectl $KUBERNETES_VERSION (go build; minutes the first time)"
  (
    cd "$staging"
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    [ -s "$gomod" ] || die "go mod download k8s.io/kubernetes@$KUBERNETES_VERSION gave no go.mod"
    {
      echo "module switchyard.local/kubernetes-build"
      echo
      echo "go $(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
      echo
      echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
      echo
      echo "replace ("
      sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*$#\t\1 => \1 '"$staging_version"'#p' "$gomod"
      echo ")"
    } >go.mod
    cat >tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
    go mod tidy >&2
    ld="-s -w"
    # Both version packages are stamped, or kubectl cannot parse the server's version.
    for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $package.gitVersion=$KUBERNETES_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
      ld="$ld -X $package.gitTreeState=clean -X $package.buildDate=1970-01-01T00:00:00Z"
    done
    for binary in kubectl kube-controller-manager kube-apiserver; do
      say "  go build $binary"
      CGO_ENABLED=0 GOFLAGS=-mod=mod go build -ldflags "$ld" -o "$staging/$binary" "k8s.io/kubernetes/cmd/$binary" >&2
    done
  ) || die "building the Kubernetes $KUBERNETES_VERSION binaries failed"
  for binary in kubectl kube-controller-manager kube-apiserver; do
    mv "$staging/$binary" "$dir/$binary"
  done
  rm -rf "$staging"
  say "Kubernetes binaries built in $(elapsed "$started")"
}

# The folder of the CRD files, named after the modules' versions so that a version change fetches anew.
crds_dir() {
  local key
  key="$({ printf '%s\n' "${CRD_MODULES[@]}" "${STRIMZI_KINDS[@]}"; cat "$STRIMZI_POM"; } | sha256sum | cut -c1-12)"
  echo "$TOOLS_DIR/kubernetes-crds-$key"
}

# generate_strimzi_crds FOLDER: writes Strimzi's CRDs into FOLDER with its own generator.
generate_strimzi_crds() {
  local folder="$1" classpath="$1/.strimzi-classpath" log="$TOOLS_DIR/mvn-strimzi-crds.log" entry outputs=()
  command -v java >/dev/null && command -v mvn >/dev/null || die "java and mvn are needed (Strimzi's CRDs are generated from its jars)"
  say "generating Strimzi CRDs (mvn, crd-generator)"
  mvn -q -B -f "$STRIMZI_POM" dependency:build-classpath -Dmdep.outputFile="$classpath" >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "mvn could not fetch Strimzi's API and CRD generator"; }
  for entry in "${STRIMZI_KINDS[@]}"; do outputs+=("${entry%%=*}=$folder/${entry#*=}"); done
  java -cp "$(cat "$classpath")" io.strimzi.crdgenerator.CrdGenerator --label app:strimzi --label strimzi.io/crd-install:true \
    --target-kube 1.16+ --crd-api-version v1 --api-versions v1beta2 --storage-version v1beta2 --yaml "${outputs[@]}" >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "Strimzi's CRD generator failed"; }
  rm -f "$classpath"
  for entry in "${STRIMZI_KINDS[@]}"; do [ -s "$folder/${entry#*=}" ] || die "Strimzi's CRD generator wrote no ${entry#*=}"; done
}

fetch_crds() {
  local dir staging entry module files file source count=0 started
  dir="$(crds_dir)"
  [ -f "$dir/.complete" ] && return 0
  mkdir -p "$dir"
  staging="$(staging_for "$dir")"
  started="$(date +%s)"
  say "fetching CRDs (go mod download)"
  for entry in "${CRD_MODULES[@]}"; do
    read -r module files <<<"$entry"
    # The module's zip, not its extracted folder: a module may ask for a newer Go than this one to be extracted.
    source="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Zip": "\(.*\)",$/\1/p')"
    [ -s "$source" ] || die "go mod download $module gave no zip"
    for file in $files; do
      unzip -p "$source" "$module/$file" >"$staging/$(basename "$file")" || die "$module has no $file"
      count=$((count + 1))
    done
  done
  generate_strimzi_crds "$staging"
  count=$((count + ${#STRIMZI_KINDS[@]}))
  mv "$staging"/*.yaml "$dir/"
  rm -rf "$staging"
  touch "$dir/.complete"
  say "$count CRD files in $dir in $(elapsed "$started")"
}

for component in "${components[@]}"; do
  case "$component" in
    helm) build_helm ;;
    helm-unittest) build_helm_unittest ;;
    etcd) build_etcd ;;
    kubernetes) build_kubernetes ;;
    crds) fetch_crds ;;
    crds-dir) crds_dir ;;
    *) die "unknown tool '$component' (known: helm helm-unittest etcd kubernetes crds)" ;;
  esac
done
