{{- define "credence.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "credence.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of one service's pods: (dict "root" $ "service" "risk-worker") */}}
{{- define "credence.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "credence.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "credence.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "credence.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}

{{- define "credence.secret" -}}
{{- required "secrets.existingSecret: name the Secret that holds DATABASE_URL" .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The environment every container shares: the settings' config map, then the secret. */}}
{{- define "credence.envFrom" -}}
- configMapRef:
    name: {{ include "credence.fullname" . }}
- secretRef:
    name: {{ include "credence.secret" . }}
{{- end -}}

{{/* A service's own secret (e.g. its DATABASE_URL with its own login), after the shared one:
     a later envFrom source wins for the same key. (dict "root" $ "service" $svc) */}}
{{- define "credence.serviceEnvFrom" -}}
{{ include "credence.envFrom" .root }}
{{- with .service.existingSecret }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end -}}

{{- define "credence.pod" -}}
serviceAccountName: {{ include "credence.serviceAccount" . }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
