#!/usr/bin/env bash
# Renders k8s/switchyard.yaml from the Helm chart with k8s/values.yaml, for `kubectl apply -k k8s/` users:
#
#   scripts/render-k8s-manifests.sh           write it
#   scripts/render-k8s-manifests.sh --check   exit 1 when the checked-in file differs from the chart's rendering
#
# helm comes from the tools dir (scripts/services/kubernetes/build-tools.sh builds it when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${SWITCHYARD_SERVICES_TOOLS_DIR:-$ROOT/.services/tools}"
HELM_VERSION="${SWITCHYARD_HELM_VERSION:-v4.3.2}"
HELM="$TOOLS_DIR/helm-$HELM_VERSION/helm"
[ -x "$HELM" ] || "$ROOT/scripts/services/kubernetes/build-tools.sh" "$TOOLS_DIR" helm

# helm keeps no state of its own here: caches and config in a throwaway folder.
HELM_HOME="$(mktemp -d -t switchyard-helm.XXXXXX)"
trap 'rm -rf "$HELM_HOME"' EXIT
export HELM_CACHE_HOME="$HELM_HOME/cache" HELM_CONFIG_HOME="$HELM_HOME/config" HELM_DATA_HOME="$HELM_HOME/data"

rendered="$HELM_HOME/switchyard.yaml"
{
  echo "# Rendered from charts/switchyard with k8s/values.yaml by scripts/render-k8s-manifests.sh: do not edit."
  echo "# Namespace \"switchyard\"; for another one (or other values), render the chart with helm instead."
  "$HELM" template switchyard "$ROOT/charts/switchyard" --namespace switchyard --skip-tests \
    --kube-version "${SWITCHYARD_KUBERNETES_VERSION:-v1.35.4}" -f "$ROOT/k8s/values.yaml"
} >"$rendered"

if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$ROOT/k8s/switchyard.yaml" "$rendered" >"$HELM_HOME/diff"; then
    head -n 40 "$HELM_HOME/diff" >&2
    echo "k8s/switchyard.yaml does not match the chart: run scripts/render-k8s-manifests.sh" >&2
    exit 1
  fi
else
  cp "$rendered" "$ROOT/k8s/switchyard.yaml"
fi
