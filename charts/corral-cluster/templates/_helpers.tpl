{{- define "corral-cluster.name" -}}
{{- default .Release.Name .Values.name -}}
{{- end -}}

{{- define "corral-cluster.labels" -}}
app.kubernetes.io/part-of: corral
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
