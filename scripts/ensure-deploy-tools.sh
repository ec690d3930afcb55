# shellcheck shell=bash
# Makes the tools of the checks in `./meridian test` available and exports where they are:
#   MERIDIAN_HELM               Helm, built from its Go module (no binary download)
#   MERIDIAN_ACTIONLINT         actionlint, built from its Go module
#   MERIDIAN_KUBE_SCORE         kube-score, built from its Go module (scores the chart's renders)
#   MERIDIAN_KUBECONFORM        kubeconform, built from its Go module (validates the renders
#                               against schemas tools/deploy writes from the documents below)
#   MERIDIAN_KUBE_OPENAPI_DIR   Kubernetes' OpenAPI v3 documents at a pinned release
#   MERIDIAN_KUBE_VERSION       that release
#   MERIDIAN_KEDA_CRD_DIR       KEDA's CRDs (ScaledObject's schema) at a pinned release
#   MERIDIAN_ARGOCD_CRD_DIR     Argo CD's CRDs (Application's schema) at a pinned release
#   MERIDIAN_COMPOSE_SCHEMA     the Compose Specification schema docker compose validates with
#   MERIDIAN_PROMTOOL           Prometheus' promtool, built from its Go module (checks and unit-tests
#                               the rules of deploy/helm/meridian/rules)
#   MERIDIAN_PROMETHEUS_OPERATOR_CRD_DIR  the Prometheus Operator's CRDs (PrometheusRule's and
#                               ServiceMonitor's schemas) at a pinned release
#   MERIDIAN_VPA_CRD_FILE       the Vertical Pod Autoscaler's CRDs (VerticalPodAutoscaler's schema) at a
#                               pinned release
#   MERIDIAN_KYVERNO_CRD_DIR    Kyverno's policies.kyverno.io CRDs (NamespacedImageValidatingPolicy's
#                               schema) at a pinned release
#   MERIDIAN_OASDIFF            oasdiff, built from its Go module (scripts/ensure-oasdiff.sh, where it is pinned)
#
# Source it (`. scripts/ensure-deploy-tools.sh`). Needs Go; everything comes
# through the Go module proxy and is built or unpacked once into a cache.

meridian_helm_version=v3.22.0
meridian_actionlint_version=v1.7.12
meridian_kube_score_version=v1.20.0
meridian_kubeconform_version=v0.8.0
meridian_kube_version=1.37.2
meridian_keda_version=v2.21.0
meridian_argocd_version=v3.5.0
meridian_compose_go_version=v2.16.2
meridian_prometheus_version=v0.316.0
meridian_prometheus_operator_version=v0.85.0
meridian_vpa_version=v1.8.1
meridian_kyverno_version=v1.19.1

# shellcheck source=scripts/go-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh" || return 1 2>/dev/null || exit 1
# oasdiff, for the api's compatibility check (MERIDIAN_OASDIFF).
# shellcheck source=scripts/ensure-oasdiff.sh
. "$(dirname "${BASH_SOURCE[0]}")/ensure-oasdiff.sh" || return 1 2>/dev/null || exit 1

MERIDIAN_HELM="$(meridian_go_tool helm helm.sh/helm/v3/cmd/helm "$meridian_helm_version" \
  "-X helm.sh/helm/v3/internal/version.version=$meridian_helm_version")" || return 1 2>/dev/null || exit 1
MERIDIAN_ACTIONLINT="$(meridian_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$meridian_actionlint_version")" \
  || return 1 2>/dev/null || exit 1
MERIDIAN_KUBE_SCORE="$(meridian_go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$meridian_kube_score_version" \
  "-X main.version=$meridian_kube_score_version")" || return 1 2>/dev/null || exit 1
MERIDIAN_KUBECONFORM="$(meridian_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform \
  "$meridian_kubeconform_version" "-X main.version=$meridian_kubeconform_version")" || return 1 2>/dev/null || exit 1
MERIDIAN_KUBE_VERSION="$meridian_kube_version"
MERIDIAN_KUBE_OPENAPI_DIR="$(meridian_go_module k8s.io/kubernetes "v$meridian_kube_version")/api/openapi-spec/v3"
MERIDIAN_KEDA_CRD_DIR="$(meridian_go_module github.com/kedacore/keda/v2 "$meridian_keda_version")/config/crd/bases"
MERIDIAN_ARGOCD_CRD_DIR="$(meridian_go_module github.com/argoproj/argo-cd/v3 "$meridian_argocd_version")/manifests/crds"
MERIDIAN_COMPOSE_SCHEMA="$(meridian_go_module github.com/compose-spec/compose-go/v2 "$meridian_compose_go_version")/schema/compose-spec.json"
MERIDIAN_PROMTOOL="$(meridian_go_tool promtool github.com/prometheus/prometheus/cmd/promtool "$meridian_prometheus_version" \
  "-X github.com/prometheus/common/version.Version=${meridian_prometheus_version#v}")" || return 1 2>/dev/null || exit 1
MERIDIAN_PROMETHEUS_OPERATOR_CRD_DIR="$(meridian_go_module github.com/prometheus-operator/prometheus-operator \
  "$meridian_prometheus_operator_version")/example/prometheus-operator-crd"
MERIDIAN_VPA_CRD_FILE="$(meridian_go_module k8s.io/autoscaler/vertical-pod-autoscaler \
  "$meridian_vpa_version")/deploy/vpa-v1-crd-gen.yaml"
MERIDIAN_KYVERNO_CRD_DIR="$(meridian_go_module github.com/kyverno/kyverno "$meridian_kyverno_version")/config/crds/policies.kyverno.io"
for meridian_dir in "$MERIDIAN_KUBE_OPENAPI_DIR" "$MERIDIAN_KEDA_CRD_DIR" "$MERIDIAN_ARGOCD_CRD_DIR" "$MERIDIAN_COMPOSE_SCHEMA" \
  "$MERIDIAN_PROMETHEUS_OPERATOR_CRD_DIR" "$MERIDIAN_VPA_CRD_FILE" "$MERIDIAN_KYVERNO_CRD_DIR"; do
  if [ ! -e "$meridian_dir" ]; then
    echo "ensure-deploy-tools: $meridian_dir is missing" >&2
    return 1 2>/dev/null || exit 1
  fi
done
export MERIDIAN_HELM MERIDIAN_ACTIONLINT MERIDIAN_KUBE_SCORE MERIDIAN_KUBECONFORM MERIDIAN_KUBE_VERSION \
  MERIDIAN_KUBE_OPENAPI_DIR MERIDIAN_KEDA_CRD_DIR MERIDIAN_ARGOCD_CRD_DIR MERIDIAN_COMPOSE_SCHEMA
export MERIDIAN_PROMTOOL MERIDIAN_PROMETHEUS_OPERATOR_CRD_DIR MERIDIAN_VPA_CRD_FILE MERIDIAN_KYVERNO_CRD_DIR
