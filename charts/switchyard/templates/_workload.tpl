{{/*
The objects every Switchyard service has, each called with (list $ "<component>"): its ServiceAccount,
ConfigMap, Deployment, HorizontalPodAutoscaler and PodDisruptionBudget. A service's folder under
templates/ calls these and adds its own Services; a new service (auth, edge-ingest) is a new folder and a
values block shaped like `router`.
*/}}

{{- define "switchyard.serviceAccount" -}}
{{- $root := index . 0 -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
# The services never call the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{- define "switchyard.configMap" -}}
{{- $root := index . 0 -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "switchyard.componentName" . }}-config
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
data:
  switchyard.yaml: |
    {{- include "switchyard.config" . | nindent 4 }}
{{- end -}}

{{/* Restricted Pod Security Standard: non-root, no privilege escalation, no capabilities, default seccomp. */}}
{{- define "switchyard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "switchyard.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Probes: HTTP for the gateway; gRPC health for the others (TCP under mutual TLS, where the kubelet's gRPC probe cannot present a certificate). */}}
{{- define "switchyard.probe" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $path := index . 2 -}}
{{- $values := index $root.Values (include "switchyard.valuesKey" $component) -}}
{{- if has $component (splitList " " (include "switchyard.httpComponents" $root)) -}}
httpGet:
  path: {{ $path }}
  port: http
{{- else if $root.Values.mtls.enabled -}}
tcpSocket:
  port: grpc
{{- else -}}
grpc:
  port: {{ $values.port }}
{{- end -}}
{{- end -}}

{{- define "switchyard.deployment" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $values := index $root.Values (include "switchyard.valuesKey" $component) -}}
{{- $name := include "switchyard.componentName" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  {{- if not (or $values.autoscaling.enabled (and (eq $component "observability") $root.Values.observability.keda.enabled)) }}
  replicas: {{ $values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "switchyard.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "switchyard.selectorLabels" . | nindent 8 }}
      annotations:
        # A config change changes this hash, and so rolls the pods.
        checksum/config: {{ include "switchyard.config" . | sha256sum }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "switchyard.podSecurityContext" $root | nindent 8 }}
      {{- if $root.Values.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
        - maxSkew: {{ $root.Values.topologySpread.maxSkew }}
          topologyKey: {{ $key }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "switchyard.selectorLabels" (list $root $component) | nindent 14 }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ $component }}
          image: {{ include "switchyard.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["switchyard"]
          args: [{{ $component | quote }}, "--config", {{ include "switchyard.configPath" $root | quote }}]
          ports:
            {{- if has $component (splitList " " (include "switchyard.httpComponents" $root)) }}
            - name: http
              containerPort: {{ $values.port }}
              protocol: TCP
            {{- else }}
            - name: grpc
              containerPort: {{ $values.port }}
              protocol: TCP
            {{- end }}
            {{- if eq $component "observability" }}
            - name: metrics
              containerPort: {{ $values.metricsPort }}
              protocol: TCP
            {{- end }}
          env:
            - name: NODE_ENV
              value: production
            {{- if has $component (list "gateway" "observability" "edge-ingest") }}
            {{- $postgres := include "switchyard.postgresSecret" $root | fromJson }}
            - name: SWITCHYARD_POSTGRES_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $postgres.name }}
                  key: {{ $postgres.key }}
            {{- end }}
            {{- if and (has $component (list "gateway" "edge-ingest")) (include "switchyard.hasRedis" $root) }}
            - name: SWITCHYARD_REDIS_URL
            {{- if $root.Values.operators.enabled }}
              value: {{ printf "redis://%s-valkey.%s.svc.cluster.local:6379" (include "switchyard.fullname" $root) $root.Release.Namespace | quote }}
            {{- else }}
              valueFrom:
                secretKeyRef:
                  name: {{ $root.Values.redis.existingSecret }}
                  key: {{ $root.Values.redis.urlKey }}
            {{- end }}
            {{- end }}
            {{- if and (eq $component "observability") $root.Values.influxdb.url }}
            - name: SWITCHYARD_INFLUX_URL
              value: {{ $root.Values.influxdb.url | quote }}
            - name: SWITCHYARD_INFLUX_DATABASE
              value: {{ $root.Values.influxdb.database | quote }}
            {{- if $root.Values.influxdb.existingSecret }}
            - name: SWITCHYARD_INFLUX_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {{ $root.Values.influxdb.existingSecret }}
                  key: {{ $root.Values.influxdb.tokenKey }}
            {{- end }}
            {{- end }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- $weaviateSecret := and (eq $component "semantic") $root.Values.weaviate.existingSecret }}
          {{- if or $root.Values.existingSecret $values.existingSecret $weaviateSecret }}
          envFrom:
            {{- with $root.Values.existingSecret }}
            - secretRef:
                name: {{ . }}
            {{- end }}
            {{- with $values.existingSecret }}
            - secretRef:
                name: {{ . }}
            {{- end }}
            {{- with $weaviateSecret }}
            - secretRef:
                name: {{ . }}
            {{- end }}
          {{- end }}
          startupProbe:
            {{- include "switchyard.probe" (list $root $component "/healthz") | nindent 12 }}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            {{- include "switchyard.probe" (list $root $component "/readyz") | nindent 12 }}
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            {{- include "switchyard.probe" (list $root $component "/healthz") | nindent 12 }}
            periodSeconds: 10
            failureThreshold: 3
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- include "switchyard.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            # A directory, not a subPath: the file follows ConfigMap updates (the checksum rolls the pods anyway).
            - name: config
              mountPath: /etc/switchyard/config
              readOnly: true
            - name: tmp
              mountPath: /tmp
            {{- if has $component (list "gateway" "edge-ingest") }}
            - name: spool
              mountPath: {{ include "switchyard.spoolDirectory" $root }}
            {{- end }}
            {{- if eq $component "semantic" }}
            - name: data
              mountPath: {{ include "switchyard.dataDirectory" $root }}
            {{- end }}
            {{- if $root.Values.mtls.enabled }}
            - name: tls
              mountPath: {{ include "switchyard.tlsDirectory" $root }}
              readOnly: true
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ $name }}-config
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if has $component (list "gateway" "edge-ingest") }}
        # Events wait here while Kafka is unreachable.
        - name: spool
          emptyDir:
            sizeLimit: 1Gi
        {{- end }}
        {{- if eq $component "semantic" }}
        # The embedded vector store's files (with Weaviate, unused).
        - name: data
          emptyDir:
            sizeLimit: {{ $values.dataSizeLimit }}
        {{- end }}
        {{- if $root.Values.mtls.enabled }}
        # Renewed by cert-manager in place; the services re-read the files (tls.reloadIntervalMs).
        - name: tls
          secret:
            secretName: {{ $name }}-tls
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "switchyard.autoscaler" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $values := index $root.Values (include "switchyard.valuesKey" $component) -}}
{{- if and $values.autoscaling.enabled (not (and (eq $component "observability") $root.Values.observability.keda.enabled)) -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "switchyard.componentName" . }}
  minReplicas: {{ $values.autoscaling.minReplicas }}
  maxReplicas: {{ $values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $values.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}
{{- end -}}

{{- define "switchyard.disruptionBudget" -}}
{{- $root := index . 0 -}}
{{- $values := index $root.Values (include "switchyard.valuesKey" (index . 1)) -}}
{{- if $values.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "switchyard.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}

{{/* A cert-manager Certificate for one service's mutual TLS: server and client auth, its Service names. */}}
{{- define "switchyard.serviceCertificate" -}}
{{- $root := index . 0 -}}
{{- $name := include "switchyard.componentName" . -}}
{{- $namespace := $root.Release.Namespace -}}
{{- if $root.Values.mtls.enabled -}}
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {{ $name }}
  namespace: {{ $namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  secretName: {{ $name }}-tls
  commonName: {{ $name }}
  dnsNames:
    {{- range $service := list $name (printf "%s-headless" $name) }}
    - {{ $service }}
    - {{ $service }}.{{ $namespace }}.svc
    - {{ $service }}.{{ $namespace }}.svc.cluster.local
    {{- end }}
  duration: {{ $root.Values.mtls.duration }}
  renewBefore: {{ $root.Values.mtls.renewBefore }}
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Always
  usages:
    - server auth
    - client auth
  issuerRef:
    {{- toYaml $root.Values.mtls.issuerRef | nindent 4 }}
{{- end -}}
{{- end -}}

{{/* All of one service's common objects, separated as YAML documents. */}}
{{- define "switchyard.workload" -}}
{{- $values := index (index . 0).Values (include "switchyard.valuesKey" (index . 1)) -}}
{{- if $values.enabled }}
---
{{ include "switchyard.serviceAccount" . }}
---
{{ include "switchyard.configMap" . }}
---
{{ include "switchyard.deployment" . }}
{{- with include "switchyard.autoscaler" . }}
---
{{ . }}
{{- end }}
{{- with include "switchyard.disruptionBudget" . }}
---
{{ . }}
{{- end }}
{{- with include "switchyard.serviceCertificate" . }}
---
{{ . }}
{{- end }}
{{- end }}
{{- end -}}
