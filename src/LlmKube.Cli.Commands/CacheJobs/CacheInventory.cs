using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Wiring;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.CacheJobs;

/// <summary>A service that keeps its model on a claim, and whether its pods could be running.</summary>
internal sealed record ServiceUse(InferenceService Service, ServiceWiring Wiring)
{
    /// <summary>Desired replicas above zero, or pods still ready: its pods may be reading the entry.</summary>
    public bool Running => DeploymentBuilder.DesiredReplicas(Service.Spec) > 0 || Service.Status?.ReadyReplicas > 0 || Service.Status?.Replicas > 0;

    public string Name => Service.Metadata.Name;

    public string Describe() => $"{Name} ({Service.Status?.ReadyReplicas ?? 0}/{DeploymentBuilder.DesiredReplicas(Service.Spec)} replicas ready)";
}

/// <summary>One cache claim: the object (null when a service names a claim that does not exist), its kind and its users.</summary>
internal sealed class ClaimUsage(string ns, string name, V1PersistentVolumeClaim? claim)
{
    public string Namespace { get; } = ns;

    public string Name { get; } = name;

    public V1PersistentVolumeClaim? Claim { get; } = claim;

    public List<ServiceUse> Services { get; } = [];

    /// <summary>shared, perService, yours (named by spec.modelCache.claimName) or cache (labelled, no user).</summary>
    public string Kind =>
        Name == ModelCacheDecision.SharedClaimName ? CacheVolumes.Shared
        : Claim?.Metadata.OwnerReferences?.Any(o => o.Kind == InferenceService.KindName) == true ? CacheVolumes.PerService
        : Services.Any(s => s.Wiring.Plan?.Claim?.Kind == CacheClaimKind.PerService) ? CacheVolumes.PerService
        : Services.Any(s => s.Wiring.Plan?.Claim?.Kind == CacheClaimKind.User) ? "yours"
        : Claim?.Metadata.Labels?.ContainsKey(ObjectLabels.ComponentLabel) == true ? "cache"
        : "yours";

    public string Phase => Claim is null ? "Missing" : Claim.Status?.Phase ?? "Pending";

    /// <summary>Only Bound claims are mounted: mounting a Pending claim would make it bind, on the Job's node.</summary>
    public string? NotReadable => Claim is null
        ? $"claim {Name} does not exist in namespace {Namespace}"
        : Phase == "Bound" ? null
        : Phase == "Pending" ? "claim is Pending (not bound yet): nothing can be cached on it, and it is not mounted so that the Job does not decide where it binds"
        : $"claim is {Phase}: not mounted";

    public string Capacity => Claim?.Status?.Capacity?.TryGetValue("storage", out var capacity) == true ? capacity.ToString()
        : Claim?.Spec?.Resources?.Requests?.TryGetValue("storage", out var requested) == true ? $"{requested}" : "-";

    /// <summary>Services using the entry <paramref name="key"/> on this claim.</summary>
    public IEnumerable<ServiceUse> UsersOf(string key) => Services.Where(s => s.Wiring.CacheKey == key);
}

/// <summary>
/// Every claim the services of the scope use for their model cache — the shared claim, perService claims and
/// ★ users' own claims found through the services that name them — plus operator-labelled and
/// <c>llmkube-model-cache</c> claims without users, Pending ones included; and the Models whose entries live on no claim.
/// </summary>
internal sealed class CacheInventory
{
    private CacheInventory(IReadOnlyList<ClaimUsage> claims, IReadOnlyList<Model> models, IReadOnlyList<InferenceService> services, WiringIndex wiring)
    {
        Claims = claims;
        Models = models;
        Services = services;
        Wiring = wiring;
    }

    public IReadOnlyList<ClaimUsage> Claims { get; }

    public IReadOnlyList<Model> Models { get; }

    public IReadOnlyList<InferenceService> Services { get; }

    public WiringIndex Wiring { get; }

    public static async Task<CacheInventory> LoadAsync(ClusterSession session, string? ns, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var api = session.Api;
        var services = await api.ListInferenceServicesAsync(ns, ct).ConfigureAwait(false);
        var models = await api.ListModelsAsync(ns, ct).ConfigureAwait(false);
        var allClaims = await api.ListClaimsAsync(ns, null, ct).ConfigureAwait(false);
        var index = WiringIndex.From(models, await OperatorConfig.ReadAsync(api, session.OperatorNamespace, ct).ConfigureAwait(false));
        var usages = new Dictionary<(string, string), ClaimUsage>();
        ClaimUsage Usage(string claimNamespace, string claimName) =>
            usages.TryGetValue((claimNamespace, claimName), out var found) ? found
            : usages[(claimNamespace, claimName)] = new ClaimUsage(claimNamespace, claimName,
                allClaims.FirstOrDefault(c => c.Metadata.NamespaceProperty == claimNamespace && c.Metadata.Name == claimName));

        foreach (var claim in allClaims.Where(IsCacheClaim))
        {
            Usage(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
        }

        foreach (var service in services)
        {
            var wiring = index.Resolve(service);
            if (wiring.UsesCacheClaim)
            {
                Usage(service.Metadata.NamespaceProperty, wiring.ClaimName!).Services.Add(new ServiceUse(service, wiring));
            }
        }

        var claims = usages.Values.OrderBy(c => c.Namespace, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        return new CacheInventory(claims, models, services, index);
    }

    public static bool IsCacheClaim(V1PersistentVolumeClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return claim.Metadata.Name == ModelCacheDecision.SharedClaimName
            || claim.Metadata.Labels?.TryGetValue(ObjectLabels.ComponentLabel, out var component) == true && component == ObjectLabels.CacheComponent;
    }

    public ClaimUsage? Find(string ns, string name) => Claims.FirstOrDefault(c => c.Namespace == ns && c.Name == name);

    /// <summary>The cache key of a Model, as the operator computes it.</summary>
    public static string KeyOf(Model model) => CacheKeys.Expected(model);

    /// <summary>Models of a namespace whose entry is <paramref name="key"/>.</summary>
    public IEnumerable<Model> ModelsWithKey(string ns, string key) => Models.Where(m => m.Metadata.NamespaceProperty == ns && KeyOf(m) == key);

    /// <summary>Models with a cache key that no service places on any claim.</summary>
    public IEnumerable<(Model Model, string Key)> Unplaced()
    {
        var placed = Claims.SelectMany(c => c.Services.Select(s => (c.Namespace, s.Wiring.CacheKey))).ToHashSet();
        return Models.Select(m => (Model: m, Key: KeyOf(m)))
            .Where(m => m.Key.Length > 0 && !placed.Contains((m.Model.Metadata.NamespaceProperty, m.Key)))
            .Where(m => Api.Sources.ModelSource.Parse(m.Model.Spec.Source).Kind != Api.Sources.SourceKind.Pvc);
    }
}
