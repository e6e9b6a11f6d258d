using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

/// <summary>
/// A llama.cpp server for one Model: the operator creates a Deployment and a Service of the same name (dots become
/// dashes in the Service's), wires the model cache and reports what it did in status.
/// </summary>
// The fields that shape the Deployment, the Service and the cache live in this part of the class; llama.cpp tuning and
// the upstream fields we do not act on live in the other parts (only this part carries the type's doc comment).
public sealed partial class InferenceServiceSpec
{
    /// <summary>
    /// The name of the Model to serve, in the same namespace. A missing Model makes the service Failed
    /// (ModelNotFound, after a short grace period for a Model applied together with it); a Model that is not Ready
    /// keeps it Pending.
    /// </summary>
    [Required]
    [MinLength(1)]
    public string ModelRef { get; set; } = "";

    /// <summary>
    /// The serving runtime. ★ Only llamacpp is implemented: any other value is reported as FieldNotSupported and
    /// nothing is deployed.
    /// </summary>
    [AllowedValues(Runtimes.LlamaCpp, Runtimes.LlamaCppRouter, Runtimes.PersonaPlex, Runtimes.Vllm, Runtimes.Tgi, Runtimes.Sglang, Runtimes.Generic)]
    [DefaultValue(Runtimes.LlamaCpp)]
    public string? Runtime { get; set; }

    /// <summary>
    /// Server pods wanted (the Deployment's replicas). 0 stops the service (phase Stopped). The scale subresource reads
    /// and writes this field (kubectl scale, KEDA).
    /// </summary>
    [Range(0, 10)]
    [DefaultValue(1)]
    public int? Replicas { get; set; }

    /// <summary>True scales the Deployment to zero while keeping spec.replicas, so resuming restores it (phase Suspended, condition Suspended=True).</summary>
    public bool? Suspend { get; set; }

    /// <summary>
    /// The llama.cpp server image. Wins over the operator's choice (its CPU image, or its CUDA image for NVIDIA GPU
    /// models); required for AMD, Intel, ROCm and Vulkan models, for which the operator has no default.
    /// </summary>
    public string? Image { get; set; }

    /// <summary>The Service in front of the pods: port, type, and the path reported in status.endpoint.</summary>
    public EndpointSpec? Endpoint { get; set; }

    /// <summary>Requests of the server container (CPU, memory, ephemeral storage) and the GPUs per pod when the Model sets no count.</summary>
    public ServiceResources? Resources { get; set; }

    /// <summary>
    /// Extra llama.cpp server arguments, added after the ones the operator generates (before --metrics). A flag given
    /// here (as --flag or --flag=value) replaces the generated --host and --parallel, the mode flags and --metrics.
    /// </summary>
    public IList<string>? ExtraArgs { get; set; }

    /// <summary>Environment variables of the server container.</summary>
    public IList<V1EnvVar>? Env { get; set; }

    /// <summary>Node labels every server pod must match (the pod's nodeSelector).</summary>
    public IDictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Tolerations of the server pods, added after the one the operator adds for GPU pods.</summary>
    public IList<V1Toleration>? Tolerations { get; set; }

    /// <summary>The server pods' affinity, as given.</summary>
    public V1Affinity? Affinity { get; set; }

    /// <summary>The server pods' topology spread constraints, as given.</summary>
    public IList<V1TopologySpreadConstraint>? TopologySpreadConstraints { get; set; }

    /// <summary>The server pods' RuntimeClass (for example nvidia).</summary>
    public string? RuntimeClassName { get; set; }

    /// <summary>The Deployment's revisionHistoryLimit: old ReplicaSets kept for rollback. Unset: the Deployment default (10).</summary>
    [Range(0, int.MaxValue)]
    public int? RevisionHistoryLimit { get; set; }

    /// <summary>
    /// True: no init containers and no model volume; the image or the runtime brings the model (needed for a Model
    /// whose source is a bare hub repository id). A modelCache.claimName is then ignored (condition
    /// ModelCacheReady=False, ClaimIgnored).
    /// </summary>
    public bool? SkipModelInit { get; set; }

    /// <summary>
    /// Which volume holds the downloaded model. Unset: the operator's cache, per its --model-cache-mode (the shared
    /// claim llmkube-model-cache of the namespace, or a claim NAME-model-cache per service). status.modelCache and
    /// condition ModelCacheReady say which volume the service really uses, and why.
    /// </summary>
    public ModelCacheSpec? ModelCache { get; set; }

    /// <summary>The server container's port (llama.cpp --port). Defaults to endpoint.port, else 8080; the Service targets it by name.</summary>
    [Range(1, 65535)]
    public int? ContainerPort { get; set; }

    /// <summary>The address llama.cpp listens on (--host). Defaults to :: (every IPv6 and IPv4 address); ignored when extraArgs has --host.</summary>
    public string? BindAddress { get; set; }

    /// <summary>Secrets in the namespace used to pull the server image.</summary>
    public IList<V1LocalObjectReference>? ImagePullSecrets { get; set; }

    /// <summary>
    /// Replaces the default pod security context entirely. The default is seccomp RuntimeDefault plus the operator's
    /// --default-fsgroup (102) as fsGroup, which the model-cache-prep init container also uses as the cache's group.
    /// </summary>
    public V1PodSecurityContext? PodSecurityContext { get; set; }

    /// <summary>
    /// Replaces the server container's security context entirely. The default drops every capability and forbids
    /// privilege escalation.
    /// </summary>
    public V1SecurityContext? SecurityContext { get; set; }

    /// <summary>Labels added to the server pods; the operator's own labels win (the selector depends on them).</summary>
    public IDictionary<string, string>? PodLabels { get; set; }

    /// <summary>Annotations added to the server pods.</summary>
    public IDictionary<string, string>? PodAnnotations { get; set; }

    /// <summary>
    /// Maps to the PriorityClass llmkube-PRIORITY (which the chart creates). ★ Unset: no priority class (upstream sets
    /// llmkube-normal on every pod). priorityClassName wins.
    /// </summary>
    [AllowedValues(Priorities.Critical, Priorities.High, Priorities.Normal, Priorities.Low, Priorities.Batch)]
    public string? Priority { get; set; }

    /// <summary>A PriorityClass for the server pods; wins over priority.</summary>
    public string? PriorityClassName { get; set; }

    /// <summary>
    /// What the server does. chat (unset): completions. embedding adds --embedding --pooling last --cache-ram 0;
    /// rerank adds --reranking --embedding --pooling rank --cache-ram 0. Flags already in extraArgs are not added again.
    /// </summary>
    [AllowedValues(ServingModes.Chat, ServingModes.Embedding, ServingModes.Rerank)]
    public string? Mode { get; set; }

    /// <summary>Replacements for the server container's probes. Each default probes HTTP /health on the serving port.</summary>
    public ProbeOverrides? ProbeOverrides { get; set; }

    /// <summary>Volumes added to the server pods (mount them with extraVolumeMounts).</summary>
    public IList<V1Volume>? ExtraVolumes { get; set; }

    /// <summary>Volume mounts added to the server container, after the model's.</summary>
    public IList<V1VolumeMount>? ExtraVolumeMounts { get; set; }
}

/// <summary>The Service in front of the server pods.</summary>
public sealed class EndpointSpec
{
    /// <summary>The Service's port; also the server container's port when containerPort is unset.</summary>
    [Range(1, 65535)]
    [DefaultValue(8080)]
    public int? Port { get; set; }

    /// <summary>The HTTP path reported in status.endpoint; the operator routes nothing by it.</summary>
    [DefaultValue("/v1/chat/completions")]
    public string? Path { get; set; }

    /// <summary>The Service's type.</summary>
    [AllowedValues(ServiceTypes.ClusterIP, ServiceTypes.NodePort, ServiceTypes.LoadBalancer)]
    [DefaultValue(ServiceTypes.ClusterIP)]
    public string? Type { get; set; }

    /// <summary>A fixed node port, used only when type is NodePort (otherwise ignored, with a FieldIgnored warning). Unset: the cluster allocates one.</summary>
    [Range(30000, 32767)]
    public int? NodePort { get; set; }

    /// <summary>Upstream: exposes the service through an AI gateway (Envoy AI Gateway).</summary>
    [Schema.PreserveUnknownFields]
    [NotSupported("ignored: no AI gateway integration")]
    public System.Text.Json.JsonElement? Gateway { get; set; }
}

/// <summary>What the server container requests.</summary>
public sealed class ServiceResources
{
    /// <summary>GPUs per pod when the Model sets no hardware.gpu.count (the Model's count wins).</summary>
    [Range(0, 8)]
    public int? Gpu { get; set; }

    /// <summary>The server container's CPU request (a quantity such as 500m or 4). No CPU limit is set.</summary>
    [Quantity]
    public string? Cpu { get; set; }

    /// <summary>The server container's memory request (a quantity such as 8Gi). No memory limit is set.</summary>
    [Quantity]
    public string? Memory { get; set; }

    /// <summary>The memory request for hybrid CPU/GPU offload; wins over memory.</summary>
    [Quantity]
    public string? HostMemory { get; set; }

    /// <summary>
    /// The server container's ephemeral-storage request and limit (a quantity such as 40Gi). With
    /// modelCache.persistence Ephemeral it is also the size limit of the emptyDir the model is downloaded into.
    /// </summary>
    [Quantity]
    public string? EphemeralStorage { get; set; }

    /// <summary>Deprecated upstream and without effect there or here.</summary>
    public string? GpuMemory { get; set; }

    /// <summary>Upstream: GPU sharing (exclusive, shared or MIG-partitioned GPUs).</summary>
    [Schema.PreserveUnknownFields]
    [NotSupported("ignored: GPU sharing (MIG, shared pools) is not implemented")]
    public System.Text.Json.JsonElement? GpuSharing { get; set; }
}

/// <summary>Which volume holds the service's downloaded model.</summary>
[CelRule(
    "!(has(self.claimName) && has(self.persistence) && self.persistence == 'Ephemeral')",
    "spec.modelCache.claimName cannot be set when spec.modelCache.persistence is Ephemeral (claimName cannot be set when persistence is Ephemeral): one names a cache volume to use, the other declines to use any")]
[CelRule(
    "!(has(self.claimName) && (has(self.storageClassName) || has(self.size) || has(self.accessMode)))",
    "spec.modelCache.claimName cannot be set together with spec.modelCache.storageClassName, size or accessMode: the claim you bring already has its class and size, and the others ask the operator to provision one; remove one or the other")]
[CelRule(
    "!(has(self.persistence) && self.persistence == 'Ephemeral' && (has(self.storageClassName) || has(self.size) || has(self.accessMode)))",
    "spec.modelCache.persistence Ephemeral cannot be set together with spec.modelCache.storageClassName, size or accessMode: Ephemeral declines any claim, the others ask the operator to provision one; remove one or the other")]
[CelRule(
    "!has(self.size) || isQuantity(self.size) && quantity(self.size).compareTo(quantity('1Gi')) >= 0",
    "spec.modelCache.size must be a quantity of at least 1Gi, such as 200Gi")]
public sealed class ModelCacheSpec
{
    /// <summary>
    /// A PersistentVolumeClaim you own, in the service's namespace, used as the model cache instead of the operator's.
    /// It must exist: while it is missing the service is Failed (reason ModelCachePVCNotFound, Warning event of that
    /// name) and never falls back to another volume; creating it later resumes the service within seconds. The
    /// operator never creates, changes, labels or deletes the claim object, in any code path. The pods it creates do
    /// write into it: model-cache-prep sets the owner and mode of the volume's root (0:fsGroup, group rwX) and
    /// model-downloader writes model files into it under CACHE_KEY/. Ignored (condition ModelCacheReady=False,
    /// ClaimIgnored) when the Model's source is pvc://, skipModelInit is set, the operator's cache is disabled or the
    /// Model has no cache key.
    /// ★ Must be a DNS-1123 subdomain (upstream checks only the length).
    /// </summary>
    [MinLength(1)]
    [MaxLength(253)]
    [RegularExpression(Patterns.Dns1123Subdomain)]
    public string? ClaimName { get; set; }

    /// <summary>
    /// Cached (unset): a persistent cache claim, so the model is downloaded once per cache. Ephemeral: an emptyDir,
    /// no claim, and the model is downloaded again at every pod start (size it with resources.ephemeralStorage).
    /// </summary>
    [AllowedValues(CachePersistence.Cached, CachePersistence.Ephemeral)]
    public string? Persistence { get; set; }

    /// <summary>
    /// ★ The storage class of a cache claim the operator provisions for this service alone, NAME-model-cache (owned by
    /// the service and deleted with it), whatever the operator's --model-cache-mode: for node-local or faster storage
    /// for one large model. Setting any of storageClassName, size or accessMode asks for that claim; the others then
    /// default to the operator's --model-cache-storage-class, --model-cache-size and ReadWriteOnce. A claim's class
    /// cannot change: changing the field on an existing claim is reported (ModelCacheReady=False,
    /// ClaimClassMismatch) until you delete the claim; the operator never deletes it on its own.
    /// Not together with claimName or persistence Ephemeral.
    /// </summary>
    [MinLength(1)]
    [MaxLength(253)]
    [RegularExpression(Patterns.Dns1123Subdomain)]
    public string? StorageClassName { get; set; }

    /// <summary>
    /// ★ The size of the provisioned claim (see storageClassName), a quantity of at least 1Gi such as 200Gi. Growing it
    /// expands the claim when its storage class allows volume expansion (progress in ModelCacheReady); shrinking, or
    /// growing on a class that cannot expand, is refused in status (ModelCacheReady=False, ClaimResizeRefused): claims
    /// do not shrink.
    /// </summary>
    [MaxLength(64)]
    public string? Size { get; set; }

    /// <summary>★ The access mode of the provisioned claim (see storageClassName). Unset: ReadWriteOnce.</summary>
    [AllowedValues(CacheAccessModes.ReadWriteOnce, CacheAccessModes.ReadWriteOncePod, CacheAccessModes.ReadWriteMany)]
    public string? AccessMode { get; set; }
}

/// <summary>Replacements for the server container's probes; each one given replaces the default entirely.</summary>
public sealed class ProbeOverrides
{
    /// <summary>The startup probe. Default: HTTP GET /health every 10 s, 180 failures allowed (30 minutes to load the model), timeout 5 s.</summary>
    public V1Probe? Startup { get; set; }

    /// <summary>The liveness probe. Default: HTTP GET /health every 15 s, 3 failures, timeout 5 s.</summary>
    public V1Probe? Liveness { get; set; }

    /// <summary>The readiness probe. Default: HTTP GET /health every 10 s, 3 failures, timeout 5 s.</summary>
    public V1Probe? Readiness { get; set; }
}
