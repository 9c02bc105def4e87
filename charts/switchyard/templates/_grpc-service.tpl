{{/*
A gRPC service's headless Service: DNS answers with every ready pod, so the clients' dns:/// targets
see them all (a plain ClusterIP would pin each long-lived HTTP/2 connection to one pod).
*/}}
{{- define "switchyard.grpcService" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $values := index $root.Values $component -}}
{{- if $values.enabled -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "switchyard.headlessName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "switchyard.selectorLabels" . | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $values.port }}
      targetPort: grpc
      protocol: TCP
    {{- if eq $component "observability" }}
    - name: metrics
      port: {{ $values.metricsPort }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
    {{- end }}
{{- end -}}
{{- end -}}
