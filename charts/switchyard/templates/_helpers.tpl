{{/* Names, labels and addresses shared by every template. */}}

{{- define "switchyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchyard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: `<fullname>-<component>`. Call with (list $ "gateway"). */}}
{{- define "switchyard.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "switchyard.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchyard.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "switchyard.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: switchyard
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "switchyard.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "switchyard.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Every pod of the release, whatever its component: what the default-deny policy selects. */}}
{{- define "switchyard.releaseSelector" -}}
app.kubernetes.io/name: {{ include "switchyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchyard.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The services whose pods run Switchyard, in start order. */}}
{{- define "switchyard.components" -}}
gateway router adapters observability semantic edge-ingest
{{- end -}}

{{/* A component's block in the values: `edge-ingest` → `edgeIngest`, the others as they are. */}}
{{- define "switchyard.valuesKey" -}}
{{- . | replace "-" "_" | camelcase | untitle -}}
{{- end -}}

{{/* The components served over HTTP (the others speak gRPC). */}}
{{- define "switchyard.httpComponents" -}}
gateway edge-ingest
{{- end -}}

{{/* The gateway's address inside the cluster, where the edge-ingest service sends summaries and speech to text. */}}
{{- define "switchyard.gatewayUrl" -}}
{{- printf "http://%s.%s.svc.cluster.local:%v" (include "switchyard.componentName" (list . "gateway")) .Release.Namespace .Values.gateway.port -}}
{{- end -}}

{{/* The gRPC services (each has a headless Service for client-side balancing). */}}
{{- define "switchyard.grpcComponents" -}}
router adapters observability semantic
{{- end -}}

{{/* The headless Service of a gRPC component: DNS answers with every ready pod. */}}
{{- define "switchyard.headlessName" -}}
{{- printf "%s-headless" (include "switchyard.componentName" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* How the other services dial a gRPC component: a dns:/// target on its headless Service. */}}
{{- define "switchyard.grpcTarget" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $port := (index $root.Values $component).port -}}
{{- printf "dns:///%s.%s.svc.cluster.local:%v" (include "switchyard.headlessName" .) $root.Release.Namespace $port -}}
{{- end -}}

{{/* Kafka's bootstrap brokers, external or the operator's; fails when none is known. */}}
{{- define "switchyard.kafkaBrokers" -}}
{{- if .Values.operators.enabled -}}
{{- list (printf "%s-kafka-kafka-bootstrap.%s.svc.cluster.local:9092" (include "switchyard.fullname" .) .Release.Namespace) | toJson -}}
{{- else if .Values.kafka.brokers -}}
{{- .Values.kafka.brokers | toJson -}}
{{- else -}}
{{- fail "kafka.brokers: set the bootstrap brokers of an existing Kafka (host:port), or operators.enabled: true" -}}
{{- end -}}
{{- end -}}

{{/* The Secret and key holding the records database's URL; fails when none is known. */}}
{{- define "switchyard.postgresSecret" -}}
{{- if .Values.operators.enabled -}}
{{- dict "name" (printf "%s-postgres-app" (include "switchyard.fullname" .)) "key" "uri" | toJson -}}
{{- else if .Values.postgres.existingSecret -}}
{{- dict "name" .Values.postgres.existingSecret "key" .Values.postgres.urlKey | toJson -}}
{{- else -}}
{{- fail "postgres.existingSecret: name a Secret holding the records database's URL (key postgres.urlKey), or operators.enabled: true" -}}
{{- end -}}
{{- end -}}

{{/* Whether Redis is configured (external or the operator mode's Valkey). */}}
{{- define "switchyard.hasRedis" -}}
{{- if or .Values.operators.enabled .Values.redis.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "switchyard.publicTlsSecret" -}}
{{- default (printf "%s-public-tls" (include "switchyard.fullname" .)) .Values.publicTls.secretName -}}
{{- end -}}

{{/* Where each pod finds its files. */}}
{{- define "switchyard.configPath" -}}/etc/switchyard/config/switchyard.yaml{{- end -}}
{{- define "switchyard.tlsDirectory" -}}/etc/switchyard/tls{{- end -}}
{{- define "switchyard.spoolDirectory" -}}/var/lib/switchyard/spool{{- end -}}
{{- define "switchyard.dataDirectory" -}}/var/lib/switchyard/data{{- end -}}

{{/*
One component's switchyard.yaml: `.Values.config` with the chart's settings over it (listen address, the
other services' addresses, TLS files, Kafka, Redis). Call with (list $ "router").
*/}}
{{- define "switchyard.config" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $config := deepCopy ($root.Values.config | default dict) -}}
{{- $services := dict -}}
{{- range $other := splitList " " (include "switchyard.grpcComponents" $root) -}}
{{- /* A service the chart does not run is left to `config` (or its default). */ -}}
{{- if not (index $root.Values $other).enabled -}}
{{- else if eq $other $component -}}
{{- $_ := set $services $other (printf "0.0.0.0:%v" (index $root.Values $other).port) -}}
{{- else -}}
{{- $_ := set $services $other (include "switchyard.grpcTarget" (list $root $other)) -}}
{{- end -}}
{{- end -}}
{{- $server := dict "host" "0.0.0.0" "port" (int $root.Values.gateway.port) -}}
{{- $tls := dict "allowInsecure" true -}}
{{- if $root.Values.mtls.enabled -}}
{{- $directory := include "switchyard.tlsDirectory" $root -}}
{{- $tls = dict "ca" (printf "%s/ca.crt" $directory) "cert" (printf "%s/tls.crt" $directory) "key" (printf "%s/tls.key" $directory) "allowInsecure" false -}}
{{- end -}}
{{- $own := dict "server" $server "services" $services "tls" $tls -}}
{{- if eq $component "edge-ingest" -}}
{{- /* Summaries and cloud speech to text go to the release's gateway unless `config.edge` names another. */ -}}
{{- $gateway := include "switchyard.gatewayUrl" $root -}}
{{- $defaults := dict "edge" (dict "conversations" (dict "summary" (dict "baseUrl" $gateway)) "speech" (dict "gateway" (dict "baseUrl" $gateway))) -}}
{{- $config = mergeOverwrite $defaults $config -}}
{{- $_ := set $own "edge" (dict "port" (int $root.Values.edgeIngest.port)) -}}
{{- end -}}
{{- if has $component (list "gateway" "observability" "edge-ingest") -}}
{{- $kafka := dict "brokers" (include "switchyard.kafkaBrokers" $root | fromJsonArray) "topicPrefix" $root.Values.kafka.topicPrefix -}}
{{- $_ := set $own "events" (dict "kafka" $kafka "spoolDirectory" (include "switchyard.spoolDirectory" $root)) -}}
{{- end -}}
{{- if and (has $component (list "gateway" "edge-ingest")) (include "switchyard.hasRedis" $root) -}}
{{- $_ := set $own "governance" (dict "redisUrl" "${SWITCHYARD_REDIS_URL}") -}}
{{- end -}}
{{- if eq $component "observability" -}}
{{- $_ := set $own "observability" (dict "metricsPort" (int $root.Values.observability.metricsPort)) -}}
{{- end -}}
{{- if eq $component "semantic" -}}
{{- /* The embedded vector store keeps its files under the data folder, the one writable place besides /tmp. */ -}}
{{- $_ := set $own "observability" (dict "dataDirectory" (include "switchyard.dataDirectory" $root)) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $config $own) -}}
{{- end -}}
