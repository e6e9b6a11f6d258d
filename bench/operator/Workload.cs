using System.Globalization;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;

namespace LlmKube.Bench.Operator;

/// <summary>The benchmark's objects: N services in M namespaces, each with its own Model (s3 sources: no HEAD probes).</summary>
internal sealed record Workload(int Services, int Namespaces, string NamespacePrefix = "bench")
{
    public IEnumerable<string> NamespaceNames => Enumerable.Range(0, Namespaces).Select(i => $"{NamespacePrefix}-{i:D2}");

    public IEnumerable<(string Namespace, string Name)> ServiceKeys =>
        Enumerable.Range(0, Services).Select(i => ($"{NamespacePrefix}-{i % Namespaces:D2}", $"svc-{i:D5}"));

    /// <summary>
    /// What the operator converges before its timed window, in namespaces of its own, with <see cref="WarmUpAgain"/>: 100
    /// services call every per-service method often enough for tiered compilation to promote it, as in an operator
    /// that has been running.
    /// </summary>
    public static Workload WarmUp => new(100, 5, "warm");

    /// <summary>
    /// A second warm-up round in namespaces of its own (OperatorRun.WarmUpAsync says why), spread over 50 of them since
    /// session 14: the paths taken once per namespace (the shared cache claim and its event) must also be past their
    /// tier-up, as in an operator that has been running, and with 10 namespaces before the window they crossed the
    /// call-count threshold inside it (the timed window has 20).
    /// </summary>
    public static Workload WarmUpAgain => new(100, 50, "warmer");

    /// <summary>
    /// <c>LLMKUBE_BENCH_OPERATOR_WARMUPS=N</c>: N more warm-up rounds of 1,000 services in 20 namespaces of their own
    /// before the operator's window, for an operator that has run longer, e.g. long enough for dynamic PGO's tiers to
    /// settle (README, session 17). 0 by default; anything but a whole number from 0 to 20 is refused.
    /// </summary>
    public static IReadOnlyList<Workload> LongerWarmUp => Environment.GetEnvironmentVariable("LLMKUBE_BENCH_OPERATOR_WARMUPS") switch
    {
        null or "" => [],
        var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var rounds) && rounds <= 20 =>
            Enumerable.Range(1, rounds).Select(r => new Workload(1000, 20, $"longer{r}")).ToList(),
        var other => throw new ArgumentException($"LLMKUBE_BENCH_OPERATOR_WARMUPS={other}: use a whole number from 0 to 20 (0, the default, adds no rounds)"),
    };

    /// <summary>Every round the operator run converges before its window, in order: what its sandbox holds besides the window's services.</summary>
    public static IEnumerable<Workload> AllWarmUps => new[] { WarmUp, WarmUpAgain }.Concat(LongerWarmUp);

    public static Model ModelFor(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new ModelSpec { Source = $"s3://models/{name}.gguf" },
    };

    public static InferenceService ServiceFor(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new InferenceServiceSpec { ModelRef = name, Resources = new ServiceResources { Cpu = "1", Memory = "2Gi" } },
    };

    /// <summary>A Model as the Model controller leaves it (what the bare loop's builders need).</summary>
    public static Model ReadyModelFor(string ns, string name)
    {
        var model = ModelFor(ns, name);
        model.Status = new ModelStatus { Phase = ModelPhases.Ready, CacheKey = CacheKeys.ForSpec(model.Spec) };
        return model;
    }

    public async Task CreateNamespacesAsync(IKubernetes client)
    {
        foreach (var ns in NamespaceNames)
        {
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        }
    }

    /// <summary>
    /// The apply both runs time: a Model and an InferenceService per service, <paramref name="parallelism"/> at a time.
    /// <paramref name="created"/> (the bare loop's) gets the objects as the server returned them.
    /// </summary>
    public async Task CreateCustomResourcesAsync(IKubernetes client, int parallelism, Action<Model, InferenceService>? created = null)
    {
        await Parallel.ForEachAsync(ServiceKeys, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (key, ct) =>
        {
            var model = await client.CustomObjects.CreateNamespacedCustomObjectAsync<Model>(ModelFor(key.Namespace, key.Name), ApiGroup.Group, ApiGroup.Version, key.Namespace, Model.Plural, cancellationToken: ct);
            var service = await client.CustomObjects.CreateNamespacedCustomObjectAsync<InferenceService>(ServiceFor(key.Namespace, key.Name), ApiGroup.Group, ApiGroup.Version, key.Namespace, InferenceService.Plural, cancellationToken: ct);
            created?.Invoke(model, service);
        });
    }
}
