{{/*
Egress rules to backing services, each on its own port only: to `networkPolicy.backingServicesTo` when
set, else to anywhere. In operator mode they run in the release's namespace. Call with (list $ (list "kafka" …)).
*/}}
{{- define "switchyard.backingEgress" -}}
{{- $root := index . 0 -}}
{{- $ports := list -}}
{{- range $service := index . 1 -}}
{{- if eq $service "kafka" -}}{{- $ports = append $ports $root.Values.kafka.port -}}{{- end -}}
{{- if eq $service "postgres" -}}{{- $ports = append $ports $root.Values.postgres.port -}}{{- end -}}
{{- if and (eq $service "redis") (include "switchyard.hasRedis" $root) -}}{{- $ports = append $ports $root.Values.redis.port -}}{{- end -}}
{{- if and (eq $service "influxdb") $root.Values.influxdb.url -}}{{- $ports = append $ports $root.Values.influxdb.port -}}{{- end -}}
{{- end -}}
- ports:
    {{- range $port := $ports }}
    - port: {{ $port }}
      protocol: TCP
    {{- end }}
  {{- if $root.Values.operators.enabled }}
  to:
    - podSelector: {}
  {{- else if $root.Values.networkPolicy.backingServicesTo }}
  to:
    {{- toYaml $root.Values.networkPolicy.backingServicesTo | nindent 4 }}
  {{- end }}
{{- end -}}
