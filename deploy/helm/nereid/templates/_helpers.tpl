{{/*
Names and labels shared by every object. Templates use a small subset of Helm's language (value
lookups, if / else if / else, define / include, and the functions add, default, eq, include,
nindent, not, quote, toYaml) so that test/unit/deploy renders and validates them without helm.
*/}}

{{- define "nereid.fullname" -}}
{{ .Release.Name }}
{{- end }}

{{- define "nereid.selectorLabels" -}}
app.kubernetes.io/name: nereid
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nereid.labels" -}}
{{ include "nereid.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: nereid-{{ .Chart.Version }}
{{- end }}

{{- define "nereid.redisName" -}}
{{ .Release.Name }}-redis
{{- end }}

{{/* The cache's own name label, so that the server's selectors (Service, PDB, ServiceMonitor) never match it. */}}
{{- define "nereid.redisSelectorLabels" -}}
app.kubernetes.io/name: nereid-redis
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nereid.redisLabels" -}}
{{ include "nereid.redisSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: nereid-{{ .Chart.Version }}
{{- end }}

{{/* The --model-repository directory: the mount of a volume source, or the image's own. */}}
{{- define "nereid.modelRepositoryPath" -}}
{{- if .Values.modelRepository.persistentVolumeClaim.claimName -}}
{{ .Values.modelRepository.mountPath }}
{{- else if .Values.modelRepository.configMap.name -}}
{{ .Values.modelRepository.mountPath }}
{{- else if .Values.modelRepository.initContainer.enabled -}}
{{ .Values.modelRepository.mountPath }}
{{- else -}}
{{ .Values.modelRepository.imagePath }}
{{- end }}
{{- end }}
