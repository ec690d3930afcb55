# shellcheck shell=bash
# Makes the deployment checks' tools available and exports where they are:
#   MERIDIAN_HELM               Helm, built from its Go module (no binary download)
#   MERIDIAN_ACTIONLINT         actionlint, built from its Go module
#   MERIDIAN_KUBE_OPENAPI_DIR   Kubernetes' OpenAPI v3 documents at a pinned release
#   MERIDIAN_KUBE_VERSION       that release
#   MERIDIAN_KEDA_CRD_DIR       KEDA's CRDs (ScaledObject's schema) at a pinned release
#   MERIDIAN_ARGOCD_CRD_DIR MERIDIAN_COMPOSE_SCHEMA     Argo CD's CRDs (Application's schema) at a pinned release
#   MERIDIAN_COMPOSE_SCHEMA     the Compose Specification schema docker compose validates with
#
# Source it (`. scripts/ensure-deploy-tools.sh`). Needs Go; everything comes
# through the Go module proxy and is built or unpacked once into a cache.

meridian_helm_version=v3.22.0
meridian_actionlint_version=v1.7.12
meridian_kube_version=1.37.2
meridian_keda_version=v2.21.0
meridian_argocd_version=v3.5.0
meridian_compose_go_version=v2.16.2

meridian_tools_cache="${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}"
if [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "ensure-deploy-tools: Go is needed to build Helm and fetch the Kubernetes schemas (https://go.dev/dl/)" >&2
  return 1 2>/dev/null || exit 1
fi

# Builds <module>/<cmd>@<version> into the cache once; prints the binary's path.
meridian_go_tool() {
  local name=$1 package=$2 version=$3 ldflags=${4:-}
  local bin="$meridian_tools_cache/$name-$version/$name"
  if [ ! -x "$bin" ]; then
    echo "ensure-deploy-tools: building $name $version from $package (once)" >&2
    (cd "$(mktemp -d)" && GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install -ldflags "$ldflags" "$package@$version") >&2 || return 1
  fi
  echo "$bin"
}

# Unpacks a module from the proxy (once, into Go's module cache); prints its folder.
meridian_go_module() {
  (cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "$1@$2") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

MERIDIAN_HELM="$(meridian_go_tool helm helm.sh/helm/v3/cmd/helm "$meridian_helm_version" \
  "-X helm.sh/helm/v3/internal/version.version=$meridian_helm_version")" || return 1 2>/dev/null || exit 1
MERIDIAN_ACTIONLINT="$(meridian_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$meridian_actionlint_version")" \
  || return 1 2>/dev/null || exit 1
MERIDIAN_KUBE_VERSION="$meridian_kube_version"
MERIDIAN_KUBE_OPENAPI_DIR="$(meridian_go_module k8s.io/kubernetes "v$meridian_kube_version")/api/openapi-spec/v3"
MERIDIAN_KEDA_CRD_DIR="$(meridian_go_module github.com/kedacore/keda/v2 "$meridian_keda_version")/config/crd/bases"
MERIDIAN_ARGOCD_CRD_DIR="$(meridian_go_module github.com/argoproj/argo-cd/v3 "$meridian_argocd_version")/manifests/crds"
MERIDIAN_COMPOSE_SCHEMA="$(meridian_go_module github.com/compose-spec/compose-go/v2 "$meridian_compose_go_version")/schema/compose-spec.json"
for meridian_dir in "$MERIDIAN_KUBE_OPENAPI_DIR" "$MERIDIAN_KEDA_CRD_DIR" "$MERIDIAN_ARGOCD_CRD_DIR" "$MERIDIAN_COMPOSE_SCHEMA"; do
  if [ ! -e "$meridian_dir" ]; then
    echo "ensure-deploy-tools: $meridian_dir is missing" >&2
    return 1 2>/dev/null || exit 1
  fi
done
export MERIDIAN_HELM MERIDIAN_ACTIONLINT MERIDIAN_KUBE_VERSION MERIDIAN_KUBE_OPENAPI_DIR MERIDIAN_KEDA_CRD_DIR \
  MERIDIAN_ARGOCD_CRD_DIR MERIDIAN_COMPOSE_SCHEMA
