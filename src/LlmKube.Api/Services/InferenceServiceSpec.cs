using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

/// <summary>The fields that shape the Deployment, the Service and the cache. llama.cpp tuning and the
/// upstream fields we do not act on live in the other parts of this class.</summary>
public sealed partial class InferenceServiceSpec
{
    [Required]
    [MinLength(1)]
    [Description("Name of the Model in the same namespace.")]
    public string ModelRef { get; set; } = "";

    [AllowedValues(Runtimes.LlamaCpp, Runtimes.LlamaCppRouter, Runtimes.PersonaPlex, Runtimes.Vllm, Runtimes.Tgi, Runtimes.Sglang, Runtimes.Generic)]
    [DefaultValue(Runtimes.LlamaCpp)]
    [Description("Serving runtime. Only llamacpp is implemented; others are reported as not supported.")]
    public string? Runtime { get; set; }

    [Range(0, 10)]
    [DefaultValue(1)]
    public int? Replicas { get; set; }

    [Description("Scales to zero while keeping spec.replicas.")]
    public bool? Suspend { get; set; }

    [Description("Server image; wins over the operator's choice.")]
    public string? Image { get; set; }

    public EndpointSpec? Endpoint { get; set; }

    public ServiceResources? Resources { get; set; }

    public IList<string>? ExtraArgs { get; set; }

    public IList<V1EnvVar>? Env { get; set; }

    public IDictionary<string, string>? NodeSelector { get; set; }

    public IList<V1Toleration>? Tolerations { get; set; }

    public V1Affinity? Affinity { get; set; }

    public IList<V1TopologySpreadConstraint>? TopologySpreadConstraints { get; set; }

    public string? RuntimeClassName { get; set; }

    [Range(0, int.MaxValue)]
    public int? RevisionHistoryLimit { get; set; }

    [Description("No init containers and no model volume: the image or the runtime brings the model.")]
    public bool? SkipModelInit { get; set; }

    public ModelCacheSpec? ModelCache { get; set; }

    [Range(1, 65535)]
    [Description("Container port; defaults to endpoint.port.")]
    public int? ContainerPort { get; set; }

    [Description("llama.cpp --host; defaults to ::.")]
    public string? BindAddress { get; set; }

    public IList<V1LocalObjectReference>? ImagePullSecrets { get; set; }

    [Description("Replaces the default pod security context (seccomp RuntimeDefault, fsGroup from the operator) entirely.")]
    public V1PodSecurityContext? PodSecurityContext { get; set; }

    [Description("Replaces the default server container security context entirely.")]
    public V1SecurityContext? SecurityContext { get; set; }

    public IDictionary<string, string>? PodLabels { get; set; }

    public IDictionary<string, string>? PodAnnotations { get; set; }

    [AllowedValues(Priorities.Critical, Priorities.High, Priorities.Normal, Priorities.Low, Priorities.Batch)]
    [Description("Maps to PriorityClass llmkube-<priority>. Unset: no priority class.")]
    public string? Priority { get; set; }

    public string? PriorityClassName { get; set; }

    [AllowedValues(ServingModes.Chat, ServingModes.Embedding, ServingModes.Rerank)]
    public string? Mode { get; set; }

    public ProbeOverrides? ProbeOverrides { get; set; }

    public IList<V1Volume>? ExtraVolumes { get; set; }

    public IList<V1VolumeMount>? ExtraVolumeMounts { get; set; }
}

public sealed class EndpointSpec
{
    [Range(1, 65535)]
    [DefaultValue(8080)]
    public int? Port { get; set; }

    [DefaultValue("/v1/chat/completions")]
    public string? Path { get; set; }

    [AllowedValues(ServiceTypes.ClusterIP, ServiceTypes.NodePort, ServiceTypes.LoadBalancer)]
    [DefaultValue(ServiceTypes.ClusterIP)]
    public string? Type { get; set; }

    [Range(30000, 32767)]
    public int? NodePort { get; set; }

    [Schema.PreserveUnknownFields]
    [NotSupported("ignored: no AI gateway integration")]
    public System.Text.Json.JsonElement? Gateway { get; set; }
}

public sealed class ServiceResources
{
    [Range(0, 8)]
    [Description("GPUs per pod when the Model sets no count.")]
    public int? Gpu { get; set; }

    [Quantity]
    [Description("CPU request.")]
    public string? Cpu { get; set; }

    [Quantity]
    [Description("Memory request.")]
    public string? Memory { get; set; }

    [Quantity]
    [Description("Memory request for hybrid offload; wins over memory.")]
    public string? HostMemory { get; set; }

    [Quantity]
    [Description("Ephemeral-storage request and limit; also the emptyDir size limit when the cache is Ephemeral.")]
    public string? EphemeralStorage { get; set; }

    [Description("Deprecated upstream and without effect.")]
    public string? GpuMemory { get; set; }

    [Schema.PreserveUnknownFields]
    [NotSupported("ignored: GPU sharing (MIG, shared pools) is not implemented")]
    public System.Text.Json.JsonElement? GpuSharing { get; set; }
}

[CelRule(
    "!(has(self.claimName) && has(self.persistence) && self.persistence == 'Ephemeral')",
    "spec.modelCache.claimName cannot be set when spec.modelCache.persistence is Ephemeral (claimName cannot be set when persistence is Ephemeral): one names a cache volume to use, the other declines to use any")]
public sealed class ModelCacheSpec
{
    [MinLength(1)]
    [MaxLength(253)]
    [RegularExpression(Patterns.Dns1123Subdomain)]
    [Description("A PersistentVolumeClaim you own, in the service's namespace, used as the model cache. The operator only reads it: it never creates, changes or deletes it.")]
    public string? ClaimName { get; set; }

    [AllowedValues(CachePersistence.Cached, CachePersistence.Ephemeral)]
    [Description("Cached (default): a persistent cache claim. Ephemeral: an emptyDir, downloaded again at every pod start.")]
    public string? Persistence { get; set; }
}

public sealed class ProbeOverrides
{
    public V1Probe? Startup { get; set; }
    public V1Probe? Liveness { get; set; }
    public V1Probe? Readiness { get; set; }
}
