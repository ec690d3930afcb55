{{/*
Names and labels. Every object carries the recommended app.kubernetes.io labels;
selectors use only the stable ones (name, instance, component).
*/}}
{{- define "meridian.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "meridian.componentName" -}}
{{- printf "%s-%s" (include "meridian.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "meridian.selectorLabels" -}}
app.kubernetes.io/name: meridian
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "meridian.labels" -}}
{{ include "meridian.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | quote }}
app.kubernetes.io/part-of: meridian
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/*
The image of a service: its imageDigest when one is given, else the pinned
tag; with image.requireDigests, a service without a digest fails the render.
*/}}
{{- define "meridian.image" -}}
{{- $image := .root.Values.image -}}
{{- $digest := (index .root.Values.services .app).imageDigest | default "" -}}
{{- $name := printf "%s/%s-%s" $image.registry $image.repositoryPrefix .app -}}
{{- if and $image.requireDigests (not $digest) -}}
{{- fail (printf "services.%s.imageDigest is required: image.requireDigests runs every image by digest, which a release pins (deploy/README.md, Releasing)" .app) -}}
{{- end -}}
{{- if $digest -}}
{{- printf "%s@%s" $name $digest -}}
{{- else -}}
{{- printf "%s:%s" $name (required "image.tag is required (pin a version, never latest)" $image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The load test's image: loadtest.image.repository (default
<registry>/<repositoryPrefix>-loadtest, built from docker/Dockerfile's tool
target) at loadtest.image.digest when one is given, else at loadtest.image.tag
(default image.tag).
*/}}
{{- define "meridian.loadtestImage" -}}
{{- $image := .Values.loadtest.image -}}
{{- $name := $image.repository | default (printf "%s/%s-loadtest" .Values.image.registry .Values.image.repositoryPrefix) -}}
{{- if and .Values.image.requireDigests (not $image.digest) -}}
{{- fail "loadtest.image.digest is required: image.requireDigests runs every image by digest" -}}
{{- end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $name $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $name ($image.tag | default .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "meridian.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "meridian.fullname" .)) -}}
{{- end -}}

{{/*
The pod-level security context of every Meridian pod: the distroless nonroot
user, its group owning mounted volumes, and the runtime's default seccomp profile.
*/}}
{{- define "meridian.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "meridian.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The writable /tmp every pod gets (the root filesystem is read-only). */}}
{{- define "meridian.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "meridian.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/*
A secret variable from the chart's Secret (or the existing one).
Usage: include "meridian.secretEnv" (dict "root" $ "name" "DATABASE_URL" "key" "ledger-database-url")
*/}}
{{- define "meridian.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "meridian.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/*
A service token the app accepts from one caller: the current one from <key>
and, while a rotation is under way, the next one from <key>-next when the
Secret holds it (README, "Rotating service tokens").
Usage: include "meridian.inboundTokenEnv" (dict "root" $ "name" "INBOUND_API_TOKEN" "key" "api-ledger-token")
*/}}
{{- define "meridian.inboundTokenEnv" -}}
{{ include "meridian.secretEnv" . }}
- name: {{ .name }}_NEXT
  valueFrom:
    secretKeyRef:
      name: {{ include "meridian.secretName" .root }}
      key: {{ .key }}-next
      optional: true
{{- end -}}

{{/*
Spreads a service's pods over zones and nodes, and keeps two replicas off one node
where the scheduler can.
*/}}
{{- define "meridian.placement" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "meridian.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "meridian.selectorLabels" . | nindent 8 }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "meridian.selectorLabels" . | nindent 14 }}
{{- end -}}

{{/*
The pod template of every service. The service's entry (over serviceDefaults)
gives ports, resources, shutdown timing and the secret variables its
datastores and calls imply; everything else is the same for every service.
Usage: include "meridian.podTemplate" (dict "root" $ "component" "ledger" "app" $service)
*/}}
{{- define "meridian.podTemplate" -}}
{{- $root := .root -}}
{{- $app := .app -}}
metadata:
  labels:
    {{- include "meridian.labels" . | nindent 4 }}
  annotations:
    # A change to this service's ConfigMap, or to the Secret, rolls its pods.
    checksum/config: {{ include "meridian.configMap" . | sha256sum }}
    checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    {{- with $app.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "meridian.componentName" . }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  # SHUTDOWN_TIMEOUT_MS bounds the shutdown sequence (readiness 503, delay,
  # drain, close); the grace period leaves 5 s on top before SIGKILL. The
  # arithmetic is in values.yaml (serviceDefaults.shutdown).
  {{- if lt (int $app.shutdown.delayMs) (int $app.shutdown.endpointRemovalMs) }}
  {{- fail (printf "%s: shutdown.delayMs (%d) must be at least shutdown.endpointRemovalMs (%d), or nodes still send new connections to a pod that has stopped serving" .component (int $app.shutdown.delayMs) (int $app.shutdown.endpointRemovalMs)) }}
  {{- end }}
  terminationGracePeriodSeconds: {{ add (div $app.shutdown.timeoutMs 1000) 5 }}
  securityContext:
    {{- include "meridian.podSecurityContext" $root | nindent 4 }}
  {{- include "meridian.placement" . | nindent 2 }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $app.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $app.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .component }}
      image: {{ include "meridian.image" (dict "root" $root "app" .component) }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      # http: the service's own API. management: probes, /metrics and /admin,
      # which the service serves on no other port.
      ports:
        - name: http
          containerPort: {{ $app.port }}
          protocol: TCP
        - name: management
          containerPort: {{ $app.managementPort }}
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "meridian.componentName" . }}
      {{- with printf "%s\n%s" (include "meridian.identityEnv" . | trim) (include "meridian.serviceEnv" . | trim) | trim }}
      env:
        {{- . | nindent 8 }}
      {{- end }}
      # Distinct probes: startup gates the others until the startup tasks
      # (database, Redis) have finished; liveness only asks whether the event
      # loop answers; readiness asks whether dependencies answer (and turns 503
      # first thing on SIGTERM).
      {{- if eq $app.kind "StatefulSet" }}
      # Ready before it holds the partitions its ordinal owns, on purpose:
      # during a scale change the old holder of a partition lets go only once
      # it is rolled itself, which OrderedReady does only after this pod is
      # ready, so a readiness that waited for the locks would stop the rollout
      # for good. Until then the locks decide who works each partition.
      {{- end }}
      startupProbe:
        httpGet:
          path: /health/startup
          port: management
        periodSeconds: 2
        timeoutSeconds: 2
        failureThreshold: {{ $root.Values.probes.startupFailureThreshold }}
      livenessProbe:
        httpGet:
          path: /health/live
          port: management
        periodSeconds: 10
        timeoutSeconds: 2
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /health/ready
          port: management
        periodSeconds: 5
        timeoutSeconds: 2
        failureThreshold: 2
        successThreshold: 1
      resources:
        {{- toYaml $app.resources | nindent 8 }}
      securityContext:
        {{- include "meridian.containerSecurityContext" $root | nindent 8 }}
      volumeMounts:
        {{- include "meridian.tmpMount" $root | nindent 8 }}
  volumes:
    {{- include "meridian.tmpVolume" $root | nindent 4 }}
{{- end -}}

{{/* A NetworkPolicy peer: the pods of one of this release's components. */}}
{{- define "meridian.peer" -}}
- podSelector:
    matchLabels:
      {{- include "meridian.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* Egress to cluster DNS (UDP and TCP 53). Usage: include "meridian.dnsEgress" .Values.networkPolicy */}}
{{- define "meridian.dnsEgress" -}}
- to:
    {{- toYaml .dns.to | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/*
Egress to a dependency outside the chart, given as peers and a port in values
(networkPolicy.postgresql, .redis, .collector).
*/}}
{{- define "meridian.externalEgress" -}}
- to:
    {{- toYaml .to | nindent 4 }}
  ports:
    - port: {{ .port }}
      protocol: TCP
{{- end -}}

{{/*
A service's ConfigMap: the variables its config schema reads that are not
secrets, <CALLEE>_URL for each service it calls among them, and for a callee
that is a StatefulSet <CALLEE>_REPLICA_URLS (each pod by ordinal) beside it.
<NAME>_PARTITIONS, from a StatefulSet's partitions, goes to the StatefulSet
and to each of its callers: one value, which they must share. tools/deploy
checks that every key is one the service's schema knows. The service's pod
template carries this text's checksum, so only that service rolls when it
changes.
Usage: include "meridian.configMap" (dict "root" $ "component" "ledger" "app" $service)
*/}}
{{- define "meridian.configMap" -}}
{{- $root := .root -}}
{{- $services := include "meridian.services" $root | fromJson -}}
{{- $app := .app }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "meridian.componentName" . }}
  labels:
    {{- include "meridian.labels" . | nindent 4 }}
data:
  HOST: "0.0.0.0"
  PORT: {{ $app.port | quote }}
  MANAGEMENT_PORT: {{ $app.managementPort | quote }}
  LOG_LEVEL: {{ $root.Values.logLevel | quote }}
  DEPLOYMENT_ENVIRONMENT: {{ $root.Values.environment | quote }}
  {{- with $root.Values.telemetry.otlpEndpoint }}
  OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
  {{- end }}
  {{- if ne $app.redis "none" }}
  REDIS_KEY_PREFIX: {{ $root.Values.redisKeyPrefix | quote }}
  {{- end }}
  {{- if $app.database }}
  DATABASE_POOL_MAX: {{ $app.databasePoolMax | quote }}
  {{- end }}
  SHUTDOWN_DELAY_MS: {{ $app.shutdown.delayMs | quote }}
  SHUTDOWN_TIMEOUT_MS: {{ $app.shutdown.timeoutMs | quote }}
  NODE_OPTIONS: {{ printf "--max-old-space-size=%s --max-semi-space-size=%d" (include "meridian.maxOldSpaceMb" .) (int $app.heap.maxSemiSpaceMb) | quote }}
  {{- with $app.partitions }}
  {{ include "meridian.envName" $.component }}_PARTITIONS: {{ . | quote }}
  {{- end }}
  {{- range $callee := $app.calls }}
  {{- $target := index $services $callee }}
  {{ include "meridian.envName" $callee }}_URL: {{ printf "http://%s:%d" (include "meridian.componentName" (dict "root" $root "component" $callee)) (int $target.port) | quote }}
  {{- if eq $target.kind "StatefulSet" }}
  {{ include "meridian.envName" $callee }}_REPLICA_URLS: {{ include "meridian.replicaUrls" (dict "root" $root "component" $callee "app" $target) | quote }}
  {{- end }}
  {{- with $target.partitions }}
  {{ include "meridian.envName" $callee }}_PARTITIONS: {{ . | quote }}
  {{- end }}
  {{- end }}
  {{- range $name, $value := $app.config }}
  {{ $name }}: {{ $value | quote }}
  {{- end }}
{{- end -}}

{{/*
A memory quantity in MiB: "768Mi" -> 768, "1Gi" -> 1024. Other units are
refused, so the heap arithmetic never guesses.
*/}}
{{- define "meridian.mebibytes" -}}
{{- $quantity := toString .quantity -}}
{{- if hasSuffix "Gi" $quantity -}}
{{- mul (trimSuffix "Gi" $quantity | int) 1024 -}}
{{- else if hasSuffix "Mi" $quantity -}}
{{- trimSuffix "Mi" $quantity | int -}}
{{- else -}}
{{- fail (printf "%s: resources.limits.memory %q: give it in Mi or Gi" .component $quantity) -}}
{{- end -}}
{{- end -}}

{{/*
The old generation's cap in MiB: heap.maxOldSpaceMb when given, else what
limits.memory leaves after three semi-spaces and the native reserve. Refuses
a heap that does not fit (values.yaml, serviceDefaults.heap).
*/}}
{{- define "meridian.maxOldSpaceMb" -}}
{{- $app := .app -}}
{{- $memoryMb := include "meridian.mebibytes" (dict "quantity" $app.resources.limits.memory "component" .component) | int -}}
{{- $reservedMb := add (mul 3 (int $app.heap.maxSemiSpaceMb)) (int $app.heap.nativeReserveMb) -}}
{{- $oldMb := sub $memoryMb $reservedMb | int -}}
{{- if hasKey $app.heap "maxOldSpaceMb" }}{{ $oldMb = int $app.heap.maxOldSpaceMb }}{{ end -}}
{{- if or (lt $oldMb 64) (gt (add $oldMb $reservedMb) $memoryMb) -}}
{{- fail (printf "%s: heap.maxOldSpaceMb (%d) + 3 x heap.maxSemiSpaceMb (%d) + heap.nativeReserveMb (%d) = %d MiB exceeds resources.limits.memory (%d MiB), or leaves the old generation under 64 MiB: the kernel would kill the pod before V8 collects" .component $oldMb (int $app.heap.maxSemiSpaceMb) (int $app.heap.nativeReserveMb) (add $oldMb $reservedMb) $memoryMb) -}}
{{- end -}}
{{- $oldMb -}}
{{- end -}}
