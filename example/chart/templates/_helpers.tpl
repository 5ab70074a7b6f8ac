{{/* Labels every object of the release carries; the selectors use app.kubernetes.io/name only. */}}
{{- define "workflows.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* repository:tag of an image block of the values. */}}
{{- define "workflows.image" -}}
{{ required "image.repository is required" .repository }}:{{ required "image.tag is required" .tag }}
{{- end }}

{{/* The environment the service and the migration read: the two Secrets and the database host. */}}
{{- define "workflows.env" -}}
envFrom:
  - secretRef:
      name: {{ .Values.secrets.postgres.name }}
  - secretRef:
      name: {{ .Values.secrets.jwt.name }}
env:
  - name: POSTGRES_HOST
    value: postgres
{{- end }}
