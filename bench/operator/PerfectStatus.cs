using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Core.Models;
using LlmKube.Operator.Controllers;

namespace LlmKube.Bench.Operator;

/// <summary>
/// The statuses the operator writes for the benchmark's objects (an s3 Model; a service on the shared claim, whose
/// Deployment has no ready replica in the sandbox), built with the operator's own classification, condition setter
/// and status rules. The bare loop writes them; the convergence observer and <see cref="Matches"/> check that the
/// operator wrote the same, so both runs send equal status patches.
/// </summary>
internal static class PerfectStatus
{
    /// <summary>What <c>ModelReconciler</c> writes for a Model whose source the serving pods' fetcher downloads.</summary>
    public static ModelStatus ForModel(Model model, DateTimeOffset now)
    {
        var verdict = ModelClassification.Classify(model, allowedHostPathRoots: [], _ => null);
        if (verdict.Phase != ModelPhases.Ready)
        {
            throw new InvalidOperationException($"the bench's Model {model.Metadata.Name} is {verdict.Phase}: {verdict.Message}");
        }

        var status = new ModelStatus
        {
            Phase = verdict.Phase,
            Path = verdict.Path,
            CacheKey = verdict.CacheKey is { Length: > 0 } key ? key : null,
            ObservedGeneration = model.Metadata.Generation,
            LastUpdated = now.UtcDateTime,
            Conditions = [],
        };
        ConditionSetter.For(model, status.Conditions, now).MarkReady(verdict.Reason, verdict.Message);
        return status;
    }

    /// <summary>What <c>InferenceServiceReconciler</c> writes once the Deployment and Service exist, in its order.</summary>
    public static InferenceServiceStatus ForService(InferenceService service, DesiredState state, V1PersistentVolumeClaim? claim, V1Deployment? deployment, DateTimeOffset now)
    {
        var status = new InferenceServiceStatus
        {
            Endpoint = KubernetesServiceBuilder.EndpointUrl(service),
            ModelReady = true,
            ModelCache = state.Plan.ToStatus(),
            Conditions = [],
        };
        var conditions = ConditionSetter.For(service, status.Conditions, now);
        var health = ClaimHealth.Evaluate(state.Plan, service.Metadata.NamespaceProperty, claim, null, service.Spec.NodeSelector);
        conditions.Set(ConditionTypes.ModelCacheReady, health.Status, health.Reason, health.Message);
        InferenceServiceStatusRules.FromDeployment(status, conditions, service.Spec, deployment);
        InferenceServiceStatusRules.Suspension(conditions, service.Spec);
        status.ObservedGeneration = conditions.Generation;
        status.LastUpdated = now.UtcDateTime;
        return status;
    }

    /// <summary>
    /// After a window: reads every Model back and fails when one's status is not what <see cref="ForModel"/> gives
    /// (times aside), so a change in what the operator writes cannot silently make the two runs unequal.
    /// </summary>
    public static async Task CheckModelsAsync(IKubernetes admin, Workload workload)
    {
        var list = await admin.CustomObjects.ListCustomObjectForAllNamespacesAsync<JsonObject>(ApiGroup.Group, ApiGroup.Version, Model.Plural);
        var namespaces = workload.NamespaceNames.ToHashSet();
        var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().Where(item => namespaces.Contains((string)item["metadata"]!["namespace"]!)).ToList();
        var differing = items.Where(item =>
        {
            var model = Workload.ModelFor((string)item["metadata"]!["namespace"]!, (string)item["metadata"]!["name"]!);
            model.Metadata.Generation = (long?)item["metadata"]!["generation"];
            return !Matches(item["status"], Timeless(ForModel(model, DateTimeOffset.UnixEpoch)));
        }).Select(item => item["metadata"]!["name"]!.ToString()).ToList();
        if (differing.Count > 0 || items.Count != workload.Services)
        {
            throw new InvalidOperationException($"{differing.Count} Models do not have the status the bare loop writes (e.g. {string.Join(", ", differing.Take(3))}): update PerfectStatus.ForModel");
        }
    }

    /// <summary>The merge patch the operator's patch helper sends for a first status: <c>{"status": …}</c>.</summary>
    public static V1Patch Patch(object status) =>
        PatchHelper<Model>.MergePatch(new JsonObject { ["status"] = KubernetesJsonNodes.ToNode(status) });

    /// <summary>A status as JSON without the fields that hold the time it was written.</summary>
    public static JsonNode? Timeless(object? status) => Timeless(KubernetesJsonNodes.ToNode(status));

    public static JsonNode? Timeless(JsonNode? status)
    {
        if (status is JsonObject obj)
        {
            obj.Remove("lastUpdated");
            if (obj["conditions"] is JsonArray conditions)
            {
                // A list map keyed by type: the order records only which condition was set first.
                var sorted = conditions.OfType<JsonObject>().OrderBy(c => (string?)c["type"], StringComparer.Ordinal).ToList();
                conditions.Clear();
                foreach (var condition in sorted)
                {
                    condition.Remove("lastTransitionTime");
                    conditions.Add(condition);
                }
            }
        }

        return status;
    }

    /// <summary>True when <paramref name="live"/> (a status as stored) says exactly <paramref name="wanted"/> (timeless), times aside.</summary>
    public static bool Matches(JsonNode? live, JsonNode? wanted) =>
        JsonNode.DeepEquals(Timeless(live?.DeepClone()), wanted);
}
