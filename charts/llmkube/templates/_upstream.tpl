{{- /*
Values written for upstream LLMKube's chart (docs/MIGRATING.md has the whole mapping). Every template includes
"llmkube.upstream" first: it translates the keys that have an equivalent into this chart's values (in place, so
the templates read one set of values; running it again changes nothing), and fails once, listing every key whose
value this chart cannot honour together with what to use instead. What is accepted but has no effect is listed
by NOTES.txt ("llmkube.upstreamNotes").
*/}}
{{- define "llmkube.upstream" -}}
{{- $v := .Values -}}
{{- $errors := list -}}
{{- $cm := $v.controllerManager | default dict -}}
{{- with $v.namespace }}
{{- if ne . $.Release.Namespace }}
{{- $errors = append $errors (printf "namespace: %s: this chart installs into the release namespace (%s); install with `helm install -n %s` and remove the key" . $.Release.Namespace .) -}}
{{- end }}
{{- end }}
{{- with $cm.image }}
{{- if .digest }}
{{- $errors = append $errors "controllerManager.image.digest pins upstream's controller image: this chart runs llmkube-operator; remove it and pin images.operator.tag (registry: images.operator.registry)" -}}
{{- end }}
{{- if and .repository (not (hasSuffix "defilantech/llmkube-controller" .repository)) }}
{{- $errors = append $errors (printf "controllerManager.image.repository %s is not upstream's controller image, so it cannot be translated: set images.operator.{registry,repository,tag} to where llmkube-operator is" .repository) -}}
{{- end }}
{{- with .registry }}{{ $_ := set $v.images.operator "registry" . }}{{ end }}
{{- with .pullPolicy }}{{ $_ := set $v.images.operator "pullPolicy" . }}{{ end }}
{{- end }}
{{- if hasKey $cm "replicaCount" }}{{ $_ := set $v "replicaCount" (int $cm.replicaCount) }}{{ end }}
{{- with $cm.leaderElection }}{{ if hasKey . "enabled" }}{{ $_ := set $v.leaderElection "enabled" .enabled }}{{ end }}{{ end }}
{{- with $cm.resources }}{{ $_ := set $v "resources" . }}{{ end }}
{{- with $cm.podSecurityContext }}{{ $_ := set $v "podSecurityContext" (mergeOverwrite (deepCopy $v.podSecurityContext) .) }}{{ end }}
{{- with $cm.securityContext }}{{ $_ := set $v "securityContext" (mergeOverwrite (deepCopy $v.securityContext) .) }}{{ end }}
{{- with $cm.nodeSelector }}{{ $_ := set $v "nodeSelector" . }}{{ end }}
{{- with $cm.tolerations }}{{ $_ := set $v "tolerations" . }}{{ end }}
{{- with $cm.affinity }}{{ $_ := set $v "affinity" . }}{{ end }}
{{- with $cm.env }}{{ $_ := set $v "env" . }}{{ end }}
{{- with $cm.caCertConfigMap }}{{ $_ := set $v.modelSource "caCertConfigMap" . }}{{ end }}
{{- with $cm.initContainer }}
{{- if hasKey . "defaultFSGroup" }}{{ $_ := set $v "defaultFSGroup" (int64 .defaultFSGroup) }}{{ end }}
{{- with .registry }}{{ $_ := set $v.images.fetcher "registry" . }}{{ end }}
{{- if and .repository (ne .repository "docker.io/curlimages/curl") }}
{{- $errors = append $errors (printf "controllerManager.initContainer.repository %s: the init containers run llmkube-fetch, not curl; set images.fetcher.{registry,repository,tag}" .repository) -}}
{{- end }}
{{- end }}
{{- if $cm.driRenderGID }}
{{- $errors = append $errors "controllerManager.driRenderGID: Vulkan GPUs are not supported by this operator (services asking for them are refused); remove the key" -}}
{{- end }}
{{- if not (dig "create" true ($v.rbac | default dict)) }}
{{- $errors = append $errors "rbac.create=false: this chart always creates its least-privilege RBAC (the operator's tests run under exactly these rules); remove the key" -}}
{{- end }}
{{- if $v.metrics.secure }}
{{- $errors = append $errors "metrics.secure=true: /metrics is plain HTTP here (no authn/authz proxy); set metrics.secure=false and restrict the metrics port with a NetworkPolicy" -}}
{{- end }}
{{- if $v.metrics.emitScrapeAnnotations }}
{{- $errors = append $errors "metrics.emitScrapeAnnotations=true: use monitoring.podMonitor.enabled=true (a PodMonitor for the model servers' /metrics) instead" -}}
{{- end }}
{{- with $v.prometheus }}
{{- with .serviceMonitor }}
{{- $sm := $v.monitoring.serviceMonitor }}
{{- if hasKey . "enabled" }}{{ $_ := set $sm "enabled" .enabled }}{{ end }}
{{- with .interval }}{{ $_ := set $sm "interval" . }}{{ end }}
{{- with .namespace }}{{ $_ := set $sm "namespace" . }}{{ end }}
{{- with .additionalLabels }}{{ $_ := set $sm "labels" . }}{{ end }}
{{- end }}
{{- with .inferencePodMonitor }}
{{- $pm := $v.monitoring.podMonitor }}
{{- if hasKey . "enabled" }}{{ $_ := set $pm "enabled" .enabled }}{{ end }}
{{- with .interval }}{{ $_ := set $pm "interval" . }}{{ end }}
{{- with .additionalLabels }}{{ $_ := set $pm "labels" . }}{{ end }}
{{- end }}
{{- if dig "routerPodMonitor" "enabled" false . }}
{{- $errors = append $errors "prometheus.routerPodMonitor.enabled=true: there is no router-proxy (ModelRouter is not served); remove the key" -}}
{{- end }}
{{- with .prometheusRule }}
{{- $pr := $v.monitoring.prometheusRule }}
{{- if hasKey . "enabled" }}{{ $_ := set $pr "enabled" .enabled }}{{ end }}
{{- with .namespace }}{{ $_ := set $pr "namespace" . }}{{ end }}
{{- with .additionalLabels }}{{ $_ := set $pr "labels" . }}{{ end }}
{{- end }}
{{- end }}
{{- with $v.grafana }}
{{- with .dashboards }}
{{- $db := $v.monitoring.dashboards }}
{{- if hasKey . "enabled" }}{{ $_ := set $db "enabled" .enabled }}{{ end }}
{{- with .namespace }}{{ $_ := set $db "namespace" . }}{{ end }}
{{- with .additionalLabels }}{{ $_ := set $db "labels" . }}{{ end }}
{{- with .annotations }}{{ $_ := set $db "annotations" . }}{{ end }}
{{- if dig "operator" "enabled" false . }}
{{- $errors = append $errors "grafana.dashboards.operator.enabled=true: no grafana-operator GrafanaDashboard is rendered; use the sidecar ConfigMap (monitoring.dashboards.enabled=true, monitoring.dashboards.labels)" -}}
{{- end }}
{{- end }}
{{- end }}
{{- if dig "auditLog" "enabled" false ($v.gateway | default dict) }}
{{- $errors = append $errors "gateway.auditLog.enabled=true: there is no gateway integration (ModelRouter is not served); remove the key" -}}
{{- end }}
{{- if dig "enabled" false ($v.pyrra | default dict) }}
{{- $errors = append $errors "pyrra.enabled=true: spec.slo is not implemented, so there are no SLOs to render; use the alerts of monitoring.prometheusRule instead" -}}
{{- end }}
{{- if dig "enabled" false ($v.multitenancy | default dict) }}
{{- $errors = append $errors "multitenancy.enabled=true: GPU quotas and tenant roles are not implemented; remove the key (creating an InferenceService is as powerful as creating pods in its namespace: docs/SECURITY.md)" -}}
{{- end }}
{{- if dig "enabled" false ($v.networkPolicies | default dict) }}
{{- $errors = append $errors "networkPolicies.enabled=true: this chart renders no NetworkPolicy; apply your own (ingress to the operator's metrics and health ports, egress to the API server) and remove the key" -}}
{{- end }}
{{- with $v.gpuSharing }}
{{- if or (dig "pools" "shared" "nodeSelector" dict .) .vramPerDeviceGiB }}
{{- $errors = append $errors "gpuSharing: GPU sharing is not implemented; remove the key" -}}
{{- end }}
{{- end }}
{{- if and (ne (toString (dig "mountPath" "/models" $v.modelCache)) "/models") }}
{{- $errors = append $errors (printf "modelCache.mountPath %s: the cache is always mounted at /models (the path is part of the cache layout upstream's caches share); remove the key" $v.modelCache.mountPath) -}}
{{- end }}
{{- if $v.modelCache.annotations }}
{{- $errors = append $errors "modelCache.annotations: they went on upstream's chart-created claim in the operator's namespace, which this chart does not create (inference pods use llmkube-model-cache in their own namespace); annotate that claim yourself and remove the key" -}}
{{- end }}
{{- if $v.modelSource.allowedRemoteHosts }}
{{- $errors = append $errors "modelSource.allowedRemoteHosts: there is no per-host allow-list; list the mirrors' networks (CIDRs) in modelSource.allowedNetworks for the downloads, and the Model controller's probes reach private addresses only with extraArgs: [--allow-private-source-probes]" -}}
{{- end }}
{{- with $v.runtimeImages }}
{{- with .llamacpp }}
{{- $at := regexFind ":[^/:]+$" . }}
{{- $_ := set $v.images "server" (dict "registry" "" "repository" (trimSuffix $at .) "tag" (trimPrefix ":" $at | default "latest")) }}
{{- end }}
{{- end }}
{{- if $errors }}
{{- fail (printf "\nthese values (from upstream LLMKube's chart) cannot be honoured by this chart:\n- %s\n(docs/MIGRATING.md maps every key)" (join "\n- " $errors)) }}
{{- end }}
{{- end }}

{{- /* Upstream keys that were given but change nothing here, one line each, for NOTES.txt. */}}
{{- define "llmkube.upstreamNotes" -}}
{{- $v := .Values -}}
{{- $cm := $v.controllerManager | default dict -}}
{{- with $cm.image }}{{ if or .repository .tag }}
- controllerManager.image ({{ .repository | default "upstream's controller" }}{{ with .tag }}:{{ . }}{{ end }}) is upstream's controller; the operator image is {{ include "llmkube.image" (dict "image" $v.images.operator "root" $) }} (images.operator){{ end }}{{ end }}
{{- with $cm.initContainer }}{{ if or .repository .tag }}
- controllerManager.initContainer.{repository,tag} (curl) is replaced by llmkube-fetch: {{ include "llmkube.image" (dict "image" $v.images.fetcher "root" $) }} (images.fetcher){{ end }}{{ end }}
{{- if or $cm.livenessProbe $cm.readinessProbe }}
- controllerManager.livenessProbe/readinessProbe: the chart's probes on the same /healthz and /readyz are used{{ end }}
{{- if $cm.routerProxy }}
- controllerManager.routerProxy: ModelRouter is not served{{ end }}
{{- if $v.webhook }}
- webhook.*: no webhook is needed; Models and InferenceServices are validated by the CRDs' schema and CEL rules at the API server{{ end }}
{{- with $v.prometheus }}{{ with .prometheusRule }}{{ if and .enabled .rules }}
- prometheus.prometheusRule.rules (GPU/DCGM and inference-pod alerts) are replaced by the operator's alerts (docs/OBSERVABILITY.md); take GPU alerts from dcgm-exporter's own rules{{ end }}{{ end }}{{ end }}
{{- with $v.grafana }}{{ with .dashboards }}{{ if .only }}
- grafana.dashboards.only: there is one dashboard, llmkube-operator{{ end }}{{ end }}{{ end }}
{{- with $v.runtimeImages }}{{ if or .vllm .sglang .tgi }}
- runtimeImages.{vllm,sglang,tgi}: only llama.cpp is served; services asking for other runtimes are refused{{ end }}{{ end }}
{{- if $v.platformFloors }}
- platformFloors: informational in upstream's NOTES; not shown{{ end }}
{{- with $v.networkPolicies }}{{ if .additionalEgressCIDRs }}
- networkPolicies.additionalEgressCIDRs: no NetworkPolicy is rendered{{ end }}{{ end }}
{{- end }}
