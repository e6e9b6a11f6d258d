using System.CommandLine;
using k8s;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Catalog;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.Commands.Cache;

/// <summary>
/// <c>llmkube cache preload MODEL [--claim C | --service S] [--wait]</c>: ★ fills the cache before any service starts
/// (or refreshes it), with a Job running the serving pod's own fetcher containers on the claim the operator's decision
/// names, at <c>&lt;cacheKey&gt;/</c> and under the same lock, so a service started meanwhile waits for this transfer.
/// </summary>
internal static class CachePreloadCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var modelArgument = new Argument<string>("MODEL") { Description = "A Model in the namespace, or a catalog id (llmkube catalog list): its cache key depends only on its source." };
        var claim = new Option<string?>("--claim") { Description = "Fill this claim of yours (as a service with spec.modelCache.claimName would use it)." };
        var serviceOption = new Option<string?>("--service") { Description = "Fill the claim this InferenceService uses (its shared, perService, provisioned or own claim)." };
        var wait = new Option<bool>("--wait") { Description = "Wait until the Job finishes (exit 1 when it fails, 4 past --timeout)." };
        var timeout = new Option<string>("--timeout") { Description = "With --wait: how long to wait (30m, 2h).", DefaultValueFactory = _ => "2h" };
        var options = new ClusterOptions(allNamespaces: false);
        var command = new Command("preload", "Fill the cache with a model before any service starts (or refresh it): a Job runs the fetcher on the right claim at <cacheKey>/; a service started meanwhile waits for the same transfer.")
        {
            modelArgument, claim, serviceOption, wait, timeout,
        };
        options.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            if (parse.GetValue(claim) is not null && parse.GetValue(serviceOption) is not null)
            {
                throw CliException.Usage("name at most one of --claim and --service");
            }

            var ns = session.Namespace;
            var config = await OperatorConfig.ReadAsync(session.Api, session.OperatorNamespace, ct).ConfigureAwait(false);
            var settings = config.Settings;
            var model = await ResolveModelAsync(session, parse.GetValue(modelArgument)!, ct).ConfigureAwait(false);
            var service = await ServiceForAsync(session, model, parse.GetValue(claim), parse.GetValue(serviceOption), settings.IsPerService, ct).ConfigureAwait(false);
            var plan = ModelCacheDecision.Decide(CacheKeys.WithRecordedKey(model), service, settings);
            if (plan.Claim is not { } cacheClaim)
            {
                throw CliException.Refused($"nothing to preload for model {model.Metadata.Name}: {plan.IgnoredClaimReason ?? plan.Describe()}");
            }

            if (await session.Api.GetClaimAsync(ns, cacheClaim.Name, ct).ConfigureAwait(false) is null)
            {
                // The claim the operator would create (never a user's): created the same way, so the operator adopts nothing new.
                var wanted = CacheClaimBuilder.ForPlan(plan, service, settings)
                    ?? throw CliException.NotFound($"no PersistentVolumeClaim {cacheClaim.Name} in namespace {ns}: create it first (the operator never creates a claim you name)");
                await session.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(wanted, ns, fieldManager: KubeApi.FieldManager, cancellationToken: ct).ConfigureAwait(false);
            }

            var job = await session.Client.BatchV1.CreateNamespacedJobAsync(PreloadJobBuilder.Build(model, service, settings, plan), ns, fieldManager: KubeApi.FieldManager, cancellationToken: ct).ConfigureAwait(false);
            await session.Console.Out.WriteLineAsync($"preloading model {model.Metadata.Name} into {plan.Describe()}: job {job.Metadata.Name} in namespace {ns}").ConfigureAwait(false);
            return parse.GetValue(wait)
                ? await WaitAsync(session, job, Durations.Parse(parse.GetValue(timeout), "--timeout"), ct).ConfigureAwait(false)
                : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The Model of that name, else the catalog entry of that id (not created: its key depends only on the source).</summary>
    private static async Task<Model> ResolveModelAsync(ClusterSession session, string name, CancellationToken ct)
    {
        if (await session.Api.GetModelAsync(session.Namespace, name, ct).ConfigureAwait(false) is { } model)
        {
            return model;
        }

        var entry = ModelCatalog.Default.Find(name)
            ?? throw CliException.NotFound($"no Model {name} in namespace {session.Namespace} and no catalog id {name}: see llmkube list models and llmkube catalog list");
        return new Model
        {
            Metadata = new V1ObjectMeta { Name = entry.Id, NamespaceProperty = session.Namespace },
            Spec = new ModelSpec { Source = entry.Source, Sha256 = entry.Sha256 },
        };
    }

    /// <summary>The service whose claim is filled: the named one, or one that would use the named claim (or the shared one).</summary>
    private static async Task<InferenceService> ServiceForAsync(ClusterSession session, Model model, string? claim, string? serviceName, bool perService, CancellationToken ct)
    {
        var ns = session.Namespace;
        if (serviceName is not null)
        {
            return await session.Api.GetInferenceServiceAsync(ns, serviceName, ct).ConfigureAwait(false)
                ?? throw CliException.NotFound($"no InferenceService {serviceName} in namespace {ns}");
        }

        if (claim is null && perService)
        {
            throw CliException.Usage("the operator runs in perService cache mode, where each service has its own claim: name it with --service, or a claim of yours with --claim");
        }

        return new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = $"preload-{model.Metadata.Name}", NamespaceProperty = ns },
            Spec = new InferenceServiceSpec { ModelRef = model.Metadata.Name, ModelCache = claim is null ? null : new ModelCacheSpec { ClaimName = claim } },
        };
    }

    private static async Task<int> WaitAsync(ClusterSession session, V1Job job, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var current = await session.Client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
            if (current.Status?.Succeeded > 0)
            {
                await session.Console.Out.WriteLineAsync($"job {job.Metadata.Name} finished: the model is in the cache").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (current.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True") is { } failed)
            {
                throw CliException.Refused($"job {job.Metadata.Name} failed: {failed.Reason}: {failed.Message}; see kubectl logs job/{job.Metadata.Name} -n {job.Metadata.NamespaceProperty}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }

        throw new CliException(ExitCodes.Timeout, $"job {job.Metadata.Name} has not finished after {timeout}; it keeps running (see kubectl get job {job.Metadata.Name} -n {job.Metadata.NamespaceProperty})");
    }
}
