using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Tables;

/// <summary>One printed column: its definition and how to compute a cell.</summary>
internal sealed record Column(string Name, string Type, string Format, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell);

/// <summary>The columns <c>kubectl get</c> shows for the built-in kinds (close to the real server's).</summary>
internal static class BuiltinColumns
{
    public static Column Name { get; } = new("Name", "string", "name", 0, (o, _) => JsonUtil.String(o, "metadata", "name"));

    public static Column Age { get; } = new("Age", "string", string.Empty, 0, (o, now) => AgeOf(o, now));

    public static IReadOnlyList<Column> For(string group, string kind) => (group, kind) switch
    {
        ("", "Namespace") => [Name, Text("Status", o => JsonUtil.String(o, "status", "phase")), Age],
        ("", "ConfigMap") => [Name, Number("Data", o => Count(o["data"]) + Count(o["binaryData"])), Age],
        ("", "Secret") => [Name, Text("Type", o => JsonUtil.String(o, "type")), Number("Data", o => Count(o["data"])), Age],
        ("", "Pod") => [Name, Text("Ready", PodReady), Text("Status", o => JsonUtil.String(o, "status", "phase")), Number("Restarts", _ => 0), Age],
        ("", "Service") => [Name, Text("Type", o => JsonUtil.String(o, "spec", "type")), Text("Cluster-IP", o => JsonUtil.String(o, "spec", "clusterIP") ?? "<none>"), Text("External-IP", _ => "<none>"), Text("Port(s)", ServicePorts), Age],
        ("", "PersistentVolumeClaim") => [Name, Text("Status", o => JsonUtil.String(o, "status", "phase")), Text("Volume", o => JsonUtil.String(o, "spec", "volumeName") ?? string.Empty), Text("Capacity", o => JsonUtil.String(o, "status", "capacity", "storage") ?? string.Empty), Text("Access Modes", o => AccessModes(o["status"]?["accessModes"])), Text("StorageClass", o => JsonUtil.String(o, "spec", "storageClassName") ?? "<unset>"), Age],
        ("", "PersistentVolume") => [Name, Text("Capacity", o => JsonUtil.String(o, "spec", "capacity", "storage") ?? string.Empty), Text("Access Modes", o => AccessModes(o["spec"]?["accessModes"])), Text("Reclaim Policy", o => JsonUtil.String(o, "spec", "persistentVolumeReclaimPolicy")), Text("Status", o => JsonUtil.String(o, "status", "phase")), Text("Claim", Claim), Text("StorageClass", o => JsonUtil.String(o, "spec", "storageClassName") ?? string.Empty), Age],
        ("", "Event") => [Text("Last Seen", (o, now) => EventAge(o, now)), Text("Type", o => JsonUtil.String(o, "type")), Text("Reason", o => JsonUtil.String(o, "reason")), Text("Object", o => $"{JsonUtil.String(o, "involvedObject", "kind")?.ToLowerInvariant()}/{JsonUtil.String(o, "involvedObject", "name")}"), Text("Message", o => JsonUtil.String(o, "message")), Name with { Priority = 1 }],
        ("apps", "Deployment") => [Name, Text("Ready", o => F($"{JsonUtil.Long(o, "status", "readyReplicas") ?? 0}/{JsonUtil.Long(o, "spec", "replicas") ?? 0}")), Number("Up-to-date", o => JsonUtil.Long(o, "status", "updatedReplicas") ?? 0), Number("Available", o => JsonUtil.Long(o, "status", "availableReplicas") ?? 0), Age],
        ("apps", "ReplicaSet") => [Name, Number("Desired", o => JsonUtil.Long(o, "spec", "replicas") ?? 0), Number("Current", o => JsonUtil.Long(o, "status", "replicas") ?? 0), Number("Ready", o => JsonUtil.Long(o, "status", "readyReplicas") ?? 0), Age],
        ("batch", "Job") => [Name, Text("Status", JobStatus), Text("Completions", o => F($"{JsonUtil.Long(o, "status", "succeeded") ?? 0}/{JsonUtil.Long(o, "spec", "completions") ?? 1}")), Age],
        ("coordination.k8s.io", "Lease") => [Name, Text("Holder", o => JsonUtil.String(o, "spec", "holderIdentity") ?? string.Empty), Age],
        ("rbac.authorization.k8s.io", "ClusterRoleBinding" or "RoleBinding") => [Name, Text("Role", o => $"{JsonUtil.String(o, "roleRef", "kind")}/{JsonUtil.String(o, "roleRef", "name")}"), Age],
        ("apiextensions.k8s.io", "CustomResourceDefinition") => [Name, Text("Created At", o => JsonUtil.String(o, "metadata", "creationTimestamp"))],
        ("storage.k8s.io", "StorageClass") => [Name, Text("Provisioner", o => JsonUtil.String(o, "provisioner")), Text("ReclaimPolicy", o => JsonUtil.String(o, "reclaimPolicy") ?? "Delete"), Text("VolumeBindingMode", o => JsonUtil.String(o, "volumeBindingMode") ?? "Immediate"), Age],
        ("", "Node") => [Name, Text("Status", o => NodeReady(o)), Age],
        _ => [Name, Age],
    };

    public static string AgeOf(JsonObject obj, DateTimeOffset now) =>
        JsonUtil.ParseTimestamp(JsonUtil.String(obj, "metadata", "creationTimestamp")) is { } created ? HumanDuration.Format(now - created) : "<unknown>";

    private static Column Text(string name, Func<JsonObject, string?> cell) => new(name, "string", string.Empty, 0, (o, _) => cell(o) ?? string.Empty);

    private static Column Text(string name, Func<JsonObject, DateTimeOffset, string?> cell) => new(name, "string", string.Empty, 0, (o, now) => cell(o, now) ?? string.Empty);

    private static Column Number(string name, Func<JsonObject, long> cell) => new(name, "integer", string.Empty, 0, (o, _) => cell(o));

    private static long Count(JsonNode? node) => node is JsonObject obj ? obj.Count : 0;

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string PodReady(JsonObject pod)
    {
        var total = JsonUtil.Array(pod, "spec", "containers")?.Count ?? 0;
        var ready = (JsonUtil.Array(pod, "status", "containerStatuses") ?? []).Count(c => JsonUtil.Bool(c, "ready") == true);
        return F($"{ready}/{total}");
    }

    private static string ServicePorts(JsonObject service)
    {
        var ports = (JsonUtil.Array(service, "spec", "ports") ?? []).OfType<JsonObject>()
            .Select(p => JsonUtil.Long(p, "nodePort") is { } node
                ? F($"{JsonUtil.Long(p, "port")}:{node}/{JsonUtil.String(p, "protocol") ?? "TCP"}")
                : F($"{JsonUtil.Long(p, "port")}/{JsonUtil.String(p, "protocol") ?? "TCP"}"))
            .ToList();
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }

    private static string AccessModes(JsonNode? modes) => string.Join(",", JsonUtil.StringList(modes).Select(m => m switch
    {
        "ReadWriteOnce" => "RWO",
        "ReadOnlyMany" => "ROX",
        "ReadWriteMany" => "RWX",
        "ReadWriteOncePod" => "RWOP",
        _ => m,
    }));

    private static string Claim(JsonObject pv) =>
        JsonUtil.Object(pv, "spec", "claimRef") is { } claim ? $"{JsonUtil.String(claim, "namespace")}/{JsonUtil.String(claim, "name")}" : string.Empty;

    private static string EventAge(JsonObject e, DateTimeOffset now)
    {
        var time = JsonUtil.ParseTimestamp(JsonUtil.String(e, "lastTimestamp"))
            ?? JsonUtil.ParseTimestamp(JsonUtil.String(e, "eventTime"))
            ?? JsonUtil.ParseTimestamp(JsonUtil.String(e, "metadata", "creationTimestamp"));
        return time is { } t ? HumanDuration.Format(now - t) : "<unknown>";
    }

    private static string JobStatus(JsonObject job)
    {
        var conditions = (JsonUtil.Array(job, "status", "conditions") ?? []).OfType<JsonObject>().ToList();
        if (conditions.Any(c => JsonUtil.String(c, "type") == "Complete" && JsonUtil.String(c, "status") == "True"))
        {
            return "Complete";
        }

        return conditions.Any(c => JsonUtil.String(c, "type") == "Failed" && JsonUtil.String(c, "status") == "True") ? "Failed" : "Running";
    }

    private static string NodeReady(JsonObject node) =>
        (JsonUtil.Array(node, "status", "conditions") ?? []).OfType<JsonObject>()
            .Any(c => JsonUtil.String(c, "type") == "Ready" && JsonUtil.String(c, "status") == "True") ? "Ready" : "NotReady";
}
