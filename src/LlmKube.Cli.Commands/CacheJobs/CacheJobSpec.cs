using k8s.Models;
using LlmKube.Contracts;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.CacheJobs;

/// <summary>ls reads a claim (mounted read-only); rm removes entries (mounted read-write).</summary>
internal enum CacheOperation
{
    List,
    Remove,
}

/// <summary>
/// Where the Job's pod runs and as whom. A ReadWriteOnce claim can only be mounted on the node that already
/// mounts it, so when a running pod mounts the claim the Job is pinned to that pod's node and tolerates what it
/// tolerates. The group is the cache's group (the pods' fsGroup, which owns the cache root with group rwX); it is
/// given as a supplemental group, never as fsGroup, because an fsGroup makes the kubelet chown the volume, and a
/// user's claim must never be modified.
/// </summary>
internal sealed record CachePlacement(string? NodeName, IList<V1Toleration>? Tolerations, long Group)
{
    /// <summary>The operator's default fsGroup (--default-fsgroup 102).</summary>
    public const long DefaultGroup = 102;

    /// <summary>The group older operators' prep used when the pods had no fsGroup (owner 100:100, mode 0770).</summary>
    public const long NoFsGroupGroup = 100;

    public static CachePlacement Anywhere { get; } = new(null, null, DefaultGroup);
}

internal sealed record CacheJobRequest(string Namespace, string ClaimName, CacheOperation Operation, IReadOnlyList<string> Keys, string Image, TimeSpan Timeout, CachePlacement Placement);

/// <summary>The short-lived Job that mounts a cache claim and runs <c>llmkube-fetch cache-ls|cache-rm</c> (docs/CONTRACTS.md §2 and §5).</summary>
internal static class CacheJobSpec
{
    public const string ManagedBy = "llmkube-cli";
    public const string Component = "cache-job";
    public const string ContainerName = "cache";
    public const string VolumeName = "model-cache";
    public const string ClaimAnnotation = "llmkube.dev/cache-claim";
    public const string OperationAnnotation = "llmkube.dev/cache-operation";

    /// <summary>Non-root, a uid no image user has.</summary>
    public const long RunAsUser = 65532;

    /// <summary>A finished Job deletes itself after this even if the CLI could not (the CLI deletes it right away).</summary>
    public const int TtlSeconds = 300;

    public static string Verb(CacheOperation operation) => operation == CacheOperation.List ? FetcherCommands.CacheList : FetcherCommands.CacheRemove;

    public static Dictionary<string, string> Labels() => new()
    {
        [ObjectLabels.NameLabel] = KubernetesLabels.Llmkube,
        [ObjectLabels.ManagedByLabel] = ManagedBy,
        [ObjectLabels.ComponentLabel] = Component,
    };

    public static V1Job Build(CacheJobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var readOnly = request.Operation == CacheOperation.List;
        var verb = Verb(request.Operation);
        var placement = request.Placement;
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                GenerateName = $"llmkube-{verb}-",
                NamespaceProperty = request.Namespace,
                Labels = Labels(),
                Annotations = new Dictionary<string, string> { [ClaimAnnotation] = request.ClaimName, [OperationAnnotation] = verb },
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)Math.Ceiling(request.Timeout.TotalSeconds) + 30,
                TtlSecondsAfterFinished = TtlSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels() },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = RunAsUser,
                            RunAsGroup = placement.Group,
                            SupplementalGroups = [placement.Group],
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Affinity = placement.NodeName is null ? null : PinTo(placement.NodeName),
                        Tolerations = placement.Tolerations,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = ContainerName,
                                Image = request.Image,
                                ImagePullPolicy = "IfNotPresent",
                                Command = [FetcherCommands.Binary],
                                Args = [verb, ModelCacheDecision.MountPath, .. request.Keys],
                                TerminationMessagePath = TerminationMessage.DefaultPath,
                                TerminationMessagePolicy = "File",
                                SecurityContext = new V1SecurityContext
                                {
                                    AllowPrivilegeEscalation = false,
                                    ReadOnlyRootFilesystem = true,
                                    Capabilities = new V1Capabilities { Drop = ["ALL"] },
                                },
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("32Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") },
                                },
                                VolumeMounts = [new V1VolumeMount { Name = VolumeName, MountPath = ModelCacheDecision.MountPath, ReadOnlyProperty = readOnly }],
                            },
                        ],
                        Volumes = [new V1Volume { Name = VolumeName, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = request.ClaimName, ReadOnlyProperty = readOnly } }],
                    },
                },
            },
        };
    }

    private static V1Affinity PinTo(string node) => new()
    {
        NodeAffinity = new V1NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
            {
                // By node name (matchFields), not the hostname label, which need not equal it.
                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [node] }] }],
            },
        },
    };
}
