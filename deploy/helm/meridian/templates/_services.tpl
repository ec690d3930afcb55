{{/*
The registry of services (values.yaml `services`). Every per-service object is
rendered by ranging over it; these helpers derive what an entry implies.
*/}}

{{/*
Every service's entry over serviceDefaults (the entry wins, key by key), as
JSON: range over `include "meridian.services" . | fromJson`.
*/}}
{{- define "meridian.services" -}}
{{- $services := dict -}}
{{- range $name, $entry := .Values.services -}}
{{- $service := merge (deepCopy $entry) (deepCopy $.Values.serviceDefaults) -}}
{{- $_ := set $service "redis" ($service.redis | default "none") -}}
{{- $_ := set $service "calls" ($service.calls | default list) -}}
{{- $_ := set $services $name $service -}}
{{- end -}}
{{- toJson $services -}}
{{- end -}}

{{/*
Fails the render on what the schema cannot see: a call to a service that is
not in the registry, a management port that is the service's port, two owners
of the replicas, an autoscaled StatefulSet (its pods read their count as
REPLICA_COUNT, rendered from replicas), partitions on a Deployment, and a
config variable that would hide the <NAME>_PARTITIONS the chart renders.
*/}}
{{- define "meridian.checkServices" -}}
{{- range $name, $service := include "meridian.services" . | fromJson -}}
{{- if eq (int $service.port) (int $service.managementPort) -}}
{{- fail (printf "services.%s.managementPort must differ from services.%s.port: probes, /metrics and /admin have a listener of their own" $name $name) -}}
{{- end -}}
{{- range $callee := $service.calls -}}
{{- if not (hasKey $.Values.services $callee) -}}
{{- fail (printf "services.%s.calls names %s, which is not a service of the registry" $name $callee) -}}
{{- end -}}
{{- if eq $callee $name -}}
{{- fail (printf "services.%s.calls names the service itself" $name) -}}
{{- end -}}
{{- end -}}
{{- if and $service.autoscaling (dig "keda" "enabled" false $service) -}}
{{- fail (printf "services.%s: autoscaling and keda would both own the replicas; set one" $name) -}}
{{- end -}}
{{- if eq $service.kind "StatefulSet" -}}
{{- if or $service.autoscaling (dig "keda" "enabled" false $service) -}}
{{- fail (printf "services.%s: a StatefulSet's pods divide its work by REPLICA_COUNT, which is services.%s.replicas: an autoscaler would change the pods without it; set replicas" $name $name) -}}
{{- end -}}
{{- else if hasKey $service "partitions" -}}
{{- fail (printf "services.%s.partitions: only a StatefulSet divides its work among its pods by ordinal" $name) -}}
{{- end -}}
{{- if hasKey $service "partitions" -}}
{{- $variable := printf "%s_PARTITIONS" (include "meridian.envName" $name) -}}
{{- range $other, $entry := $.Values.services -}}
{{- if hasKey ($entry.config | default dict) $variable -}}
{{- fail (printf "services.%s.config.%s: set services.%s.partitions, which the chart gives %s and each of its callers" $other $variable $name $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Each replica's base URL through the headless Service, by ordinal,
comma-separated: http://<release>-ledger-0.<release>-ledger-headless:3001,...
The host is the pod's own DNS name, which exists only while the pod is ready
(the headless Service does not publish not-ready addresses): a caller that
cannot resolve or reach it falls back to <CALLEE>_URL.
Usage: include "meridian.replicaUrls" (dict "root" $ "component" "ledger" "app" $service)
*/}}
{{- define "meridian.replicaUrls" -}}
{{- $name := include "meridian.componentName" . -}}
{{- $urls := list -}}
{{- range $ordinal := until (int .app.replicas) -}}
{{- $urls = append $urls (printf "http://%s-%d.%s-headless:%d" $name $ordinal $name (int $.app.port)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{/*
A StatefulSet pod's identity: REPLICA_ORDINAL from the pod-index label the
StatefulSet controller puts on each pod, and REPLICA_COUNT, its replicas.
Both are in the pod template, not the ConfigMap, so they belong to the
revision: a pod kept on the old revision by partition (a canary), or
restarted there, keeps the count it was rolled with. Changing replicas
therefore rolls every pod, which is what moves the work between them.
Usage: include "meridian.identityEnv" (dict "root" $ "component" "ledger" "app" $service)
*/}}
{{- define "meridian.identityEnv" -}}
{{- if eq .app.kind "StatefulSet" }}
- name: REPLICA_ORDINAL
  valueFrom:
    fieldRef:
      fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
- name: REPLICA_COUNT
  value: {{ .app.replicas | quote }}
{{- end }}
{{- end -}}

{{/*
The services that call one service, sorted, as JSON.
Usage: include "meridian.callers" (dict "root" $ "name" "ledger") | fromJsonArray
*/}}
{{- define "meridian.callers" -}}
{{- $callers := list -}}
{{- range $caller, $entry := .root.Values.services -}}
{{- if has $.name $entry.calls -}}
{{- $callers = append $callers $caller -}}
{{- end -}}
{{- end -}}
{{- toJson $callers -}}
{{- end -}}

{{/* A service name as it appears in variable names: upper case, "-" as "_". */}}
{{- define "meridian.envName" -}}
{{- . | upper | replace "-" "_" -}}
{{- end -}}

{{/*
The secret variables a service's entry implies: DATABASE_URL (database),
REDIS_URL (the queues' Redis or its own cache), <CALLEE>_TOKEN for each call,
INBOUND_<CALLER>_TOKEN (and _NEXT) for each caller, ADMIN_TOKEN (and _NEXT)
when it serves /admin. The Secret keys are the ones "meridian.secretKeys" lists.
Usage: include "meridian.serviceEnv" (dict "root" $ "component" "ledger" "app" $service)
*/}}
{{- define "meridian.serviceEnv" -}}
{{- $root := .root -}}
{{- $name := .component -}}
{{- $app := .app -}}
{{- if $app.database }}
{{ include "meridian.secretEnv" (dict "root" $root "name" "DATABASE_URL" "key" (printf "%s-database-url" $name)) }}
{{- end }}
{{- if eq $app.redis "queues" }}
{{ include "meridian.secretEnv" (dict "root" $root "name" "REDIS_URL" "key" "redis-url") }}
{{- else if eq $app.redis "cache" }}
{{ include "meridian.secretEnv" (dict "root" $root "name" "REDIS_URL" "key" (printf "%s-redis-url" $name)) }}
{{- end }}
{{- range $callee := $app.calls }}
{{ include "meridian.secretEnv" (dict "root" $root "name" (printf "%s_TOKEN" (include "meridian.envName" $callee)) "key" (printf "%s-%s-token" $name $callee)) }}
{{- end }}
{{- range $caller := include "meridian.callers" (dict "root" $root "name" $name) | fromJsonArray }}
{{ include "meridian.inboundTokenEnv" (dict "root" $root "name" (printf "INBOUND_%s_TOKEN" (include "meridian.envName" $caller)) "key" (printf "%s-%s-token" $caller $name)) }}
{{- end }}
{{- if $app.adminToken }}
{{ include "meridian.inboundTokenEnv" (dict "root" $root "name" "ADMIN_TOKEN" "key" "admin-token") }}
{{- end }}
{{- end -}}

{{/*
The keys of the Secret, as JSON: <service>-database-url per database,
redis-url for the queues, <service>-redis-url per cache, <caller>-<callee>-token
per call (by callee, then caller), admin-token when a service serves /admin.
*/}}
{{- define "meridian.secretKeys" -}}
{{- $services := include "meridian.services" . | fromJson -}}
{{- $keys := list -}}
{{- $queues := false -}}
{{- $admin := false -}}
{{- range $name, $service := $services -}}
{{- if $service.database -}}
{{- $keys = append $keys (printf "%s-database-url" $name) -}}
{{- end -}}
{{- if eq $service.redis "queues" -}}
{{- $queues = true -}}
{{- end -}}
{{- if $service.adminToken -}}
{{- $admin = true -}}
{{- end -}}
{{- end -}}
{{- if $queues -}}
{{- $keys = append $keys "redis-url" -}}
{{- end -}}
{{- range $name, $service := $services -}}
{{- if eq $service.redis "cache" -}}
{{- $keys = append $keys (printf "%s-redis-url" $name) -}}
{{- end -}}
{{- end -}}
{{- range $callee, $_ := $services -}}
{{- range $caller := include "meridian.callers" (dict "root" $ "name" $callee) | fromJsonArray -}}
{{- $keys = append $keys (printf "%s-%s-token" $caller $callee) -}}
{{- end -}}
{{- end -}}
{{- if $admin -}}
{{- $keys = append $keys "admin-token" -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/*
How a service scales, for NOTES: the HPA's range, KEDA, or its replicas.
Usage: include "meridian.scaling" $service
*/}}
{{- define "meridian.scaling" -}}
{{- if .autoscaling -}}
HPA {{ .autoscaling.minReplicas }}-{{ .autoscaling.maxReplicas }}
{{- else if dig "keda" "enabled" false . -}}
KEDA on queue depth, {{ .keda.minReplicas }}-{{ .keda.maxReplicas }}
{{- if dig "keda" "preScale" "enabled" false . }}, {{ .keda.preScale.desiredReplicas }} around each {{ .keda.preScale.cronVariable }}{{ end }}
{{- else -}}
{{ .replicas }} replicas{{ if eq .kind "StatefulSet" }}, partition {{ .partition | default 0 }}{{ end }}
{{- end -}}
{{- end -}}

{{/*
A Secret value of a throwaway install (datastores.enabled): the in-cluster
PostgreSQL's database of the service, the in-cluster Redis, or a token derived
from the release, which anyone who knows the release can compute; never for a
cluster that matters.
Usage: include "meridian.throwawaySecret" (dict "root" $ "key" "api-database-url")
*/}}
{{- define "meridian.throwawaySecret" -}}
{{- $root := .root -}}
{{- if hasSuffix "-database-url" .key -}}
{{- printf "postgresql://postgres@%s:5432/%s" (include "meridian.componentName" (dict "root" $root "component" "postgresql")) (trimSuffix "-database-url" .key) -}}
{{- else if hasSuffix "redis-url" .key -}}
{{- printf "redis://%s:6379" (include "meridian.componentName" (dict "root" $root "component" "redis")) -}}
{{- else -}}
{{- printf "local-%s" (printf "%s/%s/%s" $root.Release.Namespace $root.Release.Name .key | sha256sum | trunc 40) -}}
{{- end -}}
{{- end -}}
