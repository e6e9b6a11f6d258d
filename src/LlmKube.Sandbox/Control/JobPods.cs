using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;

namespace LlmKube.Sandbox.Control;

/// <summary>
/// The Job controller and the scheduler, as far as the sandbox can play them: a Job gets one pod, which is bound to a
/// registered Node it may run on (a test's stand-in kubelet registers one and runs the pod), or, when there is no such
/// Node, stays Pending with <c>PodScheduled=False</c>, reason <c>Unschedulable</c>, and a <c>FailedScheduling</c>
/// event, exactly as on a cluster where no node can run it. The sandbox itself runs no containers.
/// </summary>
internal static class JobPods
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";

    /// <summary>What the scheduler says when the sandbox has no node at all.</summary>
    public const string NoNodes = "no nodes available to schedule pods: this API server is llmkube's sandbox, which runs no pods (a test's kubelet registers a Node to run them)";

    public static void Start(ResourceService service, string ns, string jobName, DateTimeOffset now)
    {
        var registry = service.Registry;
        var jobs = registry.Find("batch", "v1", "jobs")!;
        var pods = registry.Find(string.Empty, "v1", "pods")!;
        var job = service.Find(jobs, ns, jobName);
        if (job is null || job.IsDeleting
            || service.Store.List(pods.StorageKey, ns, p => p.Labels.TryGetValue(ControllerUidLabel, out var uid) && uid == job.Uid, 0, null).Items.Count > 0)
        {
            return;
        }

        var template = JsonUtil.Object(job.Object, "spec", "template");
        var spec = JsonUtil.Object(template, "spec")?.DeepClone() as JsonObject ?? [];
        var (node, unschedulable) = Schedule(service, spec);
        if (node is not null)
        {
            spec["nodeName"] = node;
        }

        var time = JsonUtil.Timestamp(now);
        var pod = service.Create(pods, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["generateName"] = jobName + "-",
                ["namespace"] = ns,
                ["labels"] = JsonUtil.Object(template, "metadata", "labels")?.DeepClone(),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["name"] = jobName, ["uid"] = job.Uid, ["controller"] = true, ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(unschedulable is null
                    ? new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastTransitionTime"] = time }
                    : new JsonObject { ["type"] = "PodScheduled", ["status"] = "False", ["reason"] = "Unschedulable", ["message"] = unschedulable, ["lastTransitionTime"] = time }),
            },
        }, WriteContext.Controller());
        if (unschedulable is not null)
        {
            service.Create(registry.Find(string.Empty, "v1", "events")!, ns, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["generateName"] = pod.Name + ".", ["namespace"] = ns },
                ["involvedObject"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["namespace"] = ns, ["name"] = pod.Name, ["uid"] = pod.Uid },
                ["type"] = "Warning",
                ["reason"] = "FailedScheduling",
                ["message"] = unschedulable,
                ["source"] = new JsonObject { ["component"] = "default-scheduler" },
                ["reportingComponent"] = "default-scheduler",
                ["firstTimestamp"] = time,
                ["lastTimestamp"] = time,
                ["count"] = 1,
            }, WriteContext.Controller());
        }
    }

    /// <summary>The first registered Node the pod may run on (its required node names and nodeSelector), or why there is none.</summary>
    private static (string? Node, string? Unschedulable) Schedule(ResourceService service, JsonObject podSpec)
    {
        var nodes = service.Store.List(service.Registry.Find(string.Empty, "v1", "nodes")!.StorageKey, null, null, 0, null).Items;
        if (nodes.Count == 0)
        {
            return (null, NoNodes);
        }

        var names = (JsonUtil.Array(podSpec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms") ?? [])
            .SelectMany(term => JsonUtil.Array(term, "matchFields") ?? [])
            .Where(field => JsonUtil.String(field, "key") == "metadata.name" && JsonUtil.String(field, "operator") == "In")
            .SelectMany(field => JsonUtil.StringList(field?["values"]))
            .ToHashSet(StringComparer.Ordinal);
        var selector = JsonUtil.StringMap(podSpec["nodeSelector"]);
        var fit = nodes
            .Where(n => names.Count == 0 || names.Contains(n.Name))
            .Where(n => selector.All(kv => n.Labels.TryGetValue(kv.Key, out var value) && value == kv.Value))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return fit is not null
            ? (fit.Name, null)
            : (null, $"0/{nodes.Count} nodes are available: {nodes.Count} node(s) didn't match Pod's node affinity/selector.");
    }
}
