using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.Commands.Status;

/// <summary>
/// <c>llmkube status NAME</c>: the Model block, the InferenceService block with every condition, the cache wiring
/// (volume, claim and its state, key, model path) and recent warning events.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME") { Description = "The InferenceService (and its Model) to show; a Model alone when no service has that name." };
        var options = new ClusterOptions(allNamespaces: false);
        var command = new Command("status", "Show a service and its Model: phases, replicas, endpoint, every condition, and where the model lives (volume, claim, key, path).") { name };
        options.AddTo(command);
        command.SetClusterAction(options, environment, (session, parse, ct) => RunAsync(session, parse.GetValue(name)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(ClusterSession session, string name, CancellationToken ct)
    {
        var ns = session.Namespace;
        var service = await session.Api.GetInferenceServiceAsync(ns, name, ct).ConfigureAwait(false);
        var model = await session.Api.GetModelAsync(ns, service?.Spec.ModelRef ?? name, ct).ConfigureAwait(false);
        if (service is null && model is null)
        {
            throw CliException.NotFound($"no inferenceservice or model named {name} in namespace {ns}: see llmkube list -n {ns} (or -A)");
        }

        ServiceWiring? wiring = null;
        V1PersistentVolumeClaim? claim = null;
        var config = await OperatorConfig.ReadAsync(session.Api, session.OperatorNamespace, ct).ConfigureAwait(false);
        if (service is not null)
        {
            wiring = ServiceWiring.Resolve(service, model, config);
            if (wiring.ClaimName is { } claimName)
            {
                claim = await session.Api.GetClaimAsync(ns, claimName, ct).ConfigureAwait(false);
            }
        }

        var warnings = await session.Api.WarningEventsAsync(ns, name, ct).ConfigureAwait(false);
        if (session.Format != OutputFormat.Table)
        {
            await Documents.WriteAsync(session.Console.Out, session.Format, Document(model, service, wiring, claim, config, warnings)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var text = new StringBuilder();
        if (model is null)
        {
            text.Append($"Model {ns}/{service!.Spec.ModelRef}: not found (the service waits for it)\n");
        }
        else
        {
            AppendModel(text, model);
        }

        if (service is null)
        {
            text.Append($"InferenceService {ns}/{name}: none (the Model is not served)\n");
        }
        else
        {
            AppendService(text, service);
            AppendCache(text, wiring!, claim, ns, config);
        }

        if (warnings.Count > 0)
        {
            text.Append("Warnings (events)\n");
            foreach (var warning in warnings.TakeLast(10))
            {
                text.Append($"  {warning.Reason}: {warning.Message}\n");
            }
        }

        await session.Console.Out.WriteAsync(text.ToString()).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static void AppendModel(StringBuilder text, Model model)
    {
        var status = model.Status;
        var key = CacheKeys.Expected(model);
        text.Append($"Model {model.Metadata.NamespaceProperty}/{model.Metadata.Name}\n");
        Field(text, "Phase", status?.Phase ?? "(no status yet)");
        Field(text, "Source", model.Spec.Source);
        Field(text, "Cache key", key.Length > 0 ? key : "(none: not cached)");
        Field(text, "Size", status?.Size ?? "0");
        if (model.Spec.Sha256 is { } sha)
        {
            Field(text, "sha256", sha);
        }

        AppendConditions(text, status?.Conditions);
    }

    private static void AppendService(StringBuilder text, InferenceService service)
    {
        var status = service.Status;
        text.Append($"InferenceService {service.Metadata.NamespaceProperty}/{service.Metadata.Name}\n");
        Field(text, "Phase", status?.Phase ?? "(no status yet)");
        Field(text, "Model", service.Spec.ModelRef);
        Field(text, "Replicas", $"{status?.ReadyReplicas ?? 0}/{status?.DesiredReplicas ?? service.Spec.Replicas ?? 1} ready" + (service.Spec.Suspend == true ? " (suspended)" : ""));
        Field(text, "Endpoint", status?.Endpoint ?? "(none yet)");
        AppendConditions(text, status?.Conditions);
    }

    private static void AppendCache(StringBuilder text, ServiceWiring wiring, V1PersistentVolumeClaim? claim, string ns, OperatorConfig config)
    {
        text.Append("Cache\n");
        Field(text, "Volume", wiring.Volume);
        if (wiring.ClaimName is { } claimName)
        {
            Field(text, "Claim", claim is null ? $"{claimName} (not found in namespace {ns})" : $"{claimName} ({ClaimState(claim)})");
        }

        Field(text, "Cache key", wiring.CacheKey ?? "(none)");
        Field(text, "Model path", wiring.ModelPath ?? "(none)");
        Field(text, "Reported", wiring.Reported ? "by the operator (status.modelCache)" + (wiring.Note is null ? "" : $"; {wiring.Note}") : wiring.Note ?? "computed");
        Field(text, "Operator", config.Describe());
    }

    /// <summary>Phase, capacity (or request) and access modes of a claim.</summary>
    public static string ClaimState(V1PersistentVolumeClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var size = claim.Status?.Capacity?.TryGetValue("storage", out var capacity) == true ? capacity.ToString()
            : claim.Spec?.Resources?.Requests?.TryGetValue("storage", out var requested) == true ? $"{requested} requested" : "size unknown";
        return $"{claim.Status?.Phase ?? "Pending"}, {size}, {string.Join(",", claim.Spec?.AccessModes ?? [])}";
    }

    private static void AppendConditions(StringBuilder text, IEnumerable<V1Condition>? conditions)
    {
        var list = conditions?.OrderBy(c => c.Type, StringComparer.Ordinal).ToList() ?? [];
        text.Append("  Conditions:").Append(list.Count == 0 ? " (none yet)\n" : "\n");
        foreach (var condition in list)
        {
            text.Append($"    {condition.Type}: {condition.Status} ({condition.Reason}) - {condition.Message}\n");
        }
    }

    private static void Field(StringBuilder text, string label, string value) => text.Append($"  {label + ":",-12}{value}\n");

    private static JsonObject Document(Model? model, InferenceService? service, ServiceWiring? wiring, V1PersistentVolumeClaim? claim, OperatorConfig config, IReadOnlyList<Corev1Event> warnings) => new()
    {
        ["model"] = model is null ? null : Documents.ToNode(model),
        ["service"] = service is null ? null : Documents.ToNode(service),
        ["cache"] = wiring is null ? null : new JsonObject
        {
            ["volume"] = wiring.Volume,
            ["claimName"] = wiring.ClaimName,
            ["claimPhase"] = wiring.ClaimName is null ? null : claim?.Status?.Phase ?? (claim is null ? "NotFound" : "Pending"),
            ["cacheKey"] = wiring.CacheKey,
            ["modelPath"] = wiring.ModelPath,
            ["reported"] = wiring.Reported,
            ["note"] = wiring.Note,
        },
        ["operator"] = new JsonObject
        {
            ["configMap"] = config.Location,
            ["known"] = config.Published is not null,
            ["unknown"] = config.Unknown,
            ["data"] = config.Published is { } published ? new JsonObject(published.ToData().Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) : null,
        },
        ["warnings"] = new JsonArray(warnings.Select(w => (JsonNode)new JsonObject { ["reason"] = w.Reason, ["message"] = w.Message }).ToArray()),
    };
}
