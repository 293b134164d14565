{{/* The chart's name, and the release-qualified name every object carries. */}}
{{- define "s3swift.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "s3swift.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "s3swift.selectorLabels" -}}
app.kubernetes.io/name: {{ include "s3swift.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "s3swift.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "s3swift.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "s3swift.secretName" -}}
{{- default (include "s3swift.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* One config value as an environment variable's text: lists comma-joined,
     whole numbers without an exponent (Helm reads numbers as floats). */}}
{{- define "s3swift.envValue" -}}
{{- if kindIs "slice" . }}{{ join "," . }}
{{- else if and (kindIs "float64" .) (eq (floor .) .) }}{{ int64 . }}
{{- else }}{{ . }}
{{- end }}
{{- end }}

{{/* Every S3SWIFT_* variable of the ConfigMap: .Values.config, then what the chart
     decides (listen addresses, ports, workers), which config cannot override. */}}
{{- define "s3swift.configEnv" -}}
{{- $env := dict }}
{{- range $section, $keys := .Values.config }}
{{- range $key, $value := $keys }}
{{- $_ := set $env (printf "S3SWIFT_%s_%s" $section $key | upper) (include "s3swift.envValue" $value) }}
{{- end }}
{{- end }}
{{- $_ := set $env "S3SWIFT_SERVER_HOST" (ternary "127.0.0.1" "0.0.0.0" .Values.sidecar.enabled) }}
{{- $_ := set $env "S3SWIFT_SERVER_PORT" (include "s3swift.envValue" .Values.ports.s3) }}
{{- $_ := set $env "S3SWIFT_SERVER_WORKERS" (include "s3swift.envValue" .Values.workers) }}
{{- /* The kubelet probes the pod's address, so the admin listener binds every address. */}}
{{- $_ := set $env "S3SWIFT_SERVER_METRICS_HOST" "0.0.0.0" }}
{{- $_ := set $env "S3SWIFT_SERVER_METRICS_PORT" (include "s3swift.envValue" .Values.ports.metrics) }}
{{- toYaml $env }}
{{- end }}

{{/* The gateway container, shared by both modes (a native sidecar adds restartPolicy). */}}
{{- define "s3swift.gatewayContainer" -}}
name: s3swift
image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
{{- if .Values.sidecar.enabled }}
restartPolicy: Always
{{- end }}
args: ["serve"]
envFrom:
  - configMapRef:
      name: {{ include "s3swift.fullname" . }}
  - secretRef:
      name: {{ include "s3swift.secretName" . }}
{{- with .Values.extraEnv }}
env:
  {{- toYaml . | nindent 2 }}
{{- end }}
ports:
  - name: s3
    containerPort: {{ .Values.ports.s3 }}
  - name: metrics
    containerPort: {{ .Values.ports.metrics }}
readinessProbe:
  {{- toYaml .Values.readinessProbe | nindent 2 }}
livenessProbe:
  {{- toYaml .Values.livenessProbe | nindent 2 }}
startupProbe:
  {{- /* A native sidecar's startup probe gates the app's start: wait for readiness. */}}
  {{- toYaml (ternary .Values.sidecar.startupProbe .Values.startupProbe .Values.sidecar.enabled) | nindent 2 }}
{{- if gt (int .Values.preStopSleepSeconds) 0 }}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
{{- end }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - {name: tmp, mountPath: /tmp}
  - {name: state, mountPath: /var/lib/s3swift}
{{- end }}
