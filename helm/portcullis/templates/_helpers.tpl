{{/* Names, labels and the rendered Portcullis config. */}}

{{- define "portcullis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portcullis.fullname" -}}
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

{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "portcullis.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "portcullis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "portcullis.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.secretName" -}}
{{- default (include "portcullis.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The verdict cache URL: bundled Redis, else the external one, else config.cache.verdicts. */}}
{{- define "portcullis.verdictCache" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:6379/0" (include "portcullis.fullname" .) -}}
{{- else if .Values.redis.externalUrl -}}
{{- .Values.redis.externalUrl -}}
{{- else -}}
{{- .Values.config.cache.verdicts -}}
{{- end -}}
{{- end -}}

{{/* Refuses settings that cannot work. */}}
{{- define "portcullis.validate" -}}
{{- $replicas := int .Values.replicaCount -}}
{{- if .Values.autoscaling.enabled -}}{{- $replicas = int .Values.autoscaling.maxReplicas -}}{{- end -}}
{{- $cache := include "portcullis.verdictCache" . -}}
{{- if and (gt $replicas 1) (not (hasPrefix "redis" $cache)) -}}
{{- fail "replicaCount (or autoscaling.maxReplicas) > 1 needs a shared verdict cache: set redis.enabled=true or redis.externalUrl" -}}
{{- end -}}
{{- if and (gt $replicas 1) .Values.persistence.enabled (has "ReadWriteOnce" .Values.persistence.accessModes) -}}
{{- fail "persistence with ReadWriteOnce serves one replica: disable persistence (emptyDir cache per pod) or use a ReadWriteMany class" -}}
{{- end -}}
{{- end -}}

{{/* portcullis.yaml: .Values.config with the chart-managed verdict cache and tokens file. */}}
{{- define "portcullis.config" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $cache := get $cfg "cache" | default dict -}}
{{- $_ := set $cache "verdicts" (include "portcullis.verdictCache" .) -}}
{{- $_ := set $cfg "cache" $cache -}}
{{- $server := get $cfg "server" | default dict -}}
{{- if not (get $server "publicUrl") -}}{{- $_ := unset $server "publicUrl" -}}{{- end -}}
{{- $_ := set $cfg "server" $server -}}
{{- toYaml $cfg -}}
{{- end -}}
