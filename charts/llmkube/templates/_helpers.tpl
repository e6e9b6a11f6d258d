{{/* Chart name, at most 63 characters. */}}
{{- define "llmkube.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every object name: the release name, unless it already contains the chart name. */}}
{{- define "llmkube.fullname" -}}
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

{{/* Labels that select the operator's pods; never change them in an upgrade (the selector is immutable). */}}
{{- define "llmkube.selectorLabels" -}}
app.kubernetes.io/name: {{ include "llmkube.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* Labels of every object of the release. */}}
{{- define "llmkube.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "llmkube.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "llmkube.operatorName" -}}
{{- printf "%s-operator" (include "llmkube.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llmkube.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "llmkube.operatorName" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* registry/repository:tag; an empty tag means the chart's appVersion. Call with (dict "image" X "root" $). */}}
{{- define "llmkube.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion | toString }}
{{- if .image.registry }}
{{- printf "%s/%s:%s" .image.registry .image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{/*
The permissions the operator uses on namespaced objects (the table in the chart README names the code path
behind each verb). Rendered into a ClusterRole, or into a Role in watchNamespace.
*/}}
{{- define "llmkube.namespacedRules" -}}
- apiGroups: [inference.llmkube.dev]
  resources: [inferenceservices, models]
  verbs: [list, watch]
- apiGroups: [inference.llmkube.dev]
  resources: [inferenceservices/status, models/status]
  verbs: [patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list, watch, create, update, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [list, watch, create, update]
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [list, watch, create, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}

{{/* Cluster-scoped reads: the PV behind a bound claim (node-affinity diagnosis). */}}
{{- define "llmkube.clusterRules" -}}
- apiGroups: [""]
  resources: [persistentvolumes]
  verbs: [list, watch]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [get]
{{- end }}

{{/* The series selector of the operator's own scrape target in rules (the ServiceMonitor's job is the Service name). */}}
{{- define "llmkube.metricsSelector" -}}
{{- .Values.monitoring.prometheusRule.selector | default (printf "job=%q" (printf "%s-metrics" (include "llmkube.operatorName" .))) }}
{{- end }}
