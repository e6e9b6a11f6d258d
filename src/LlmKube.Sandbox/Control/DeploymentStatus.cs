using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Control;

/// <summary>Builds a Deployment status the way the deployment controller reports it (zero counts omitted).</summary>
internal static class DeploymentStatus
{
    public static JsonObject Build(JsonObject deployment, DeploymentStatusUpdate update, string now)
    {
        var wanted = JsonUtil.Long(deployment, "spec", "replicas") ?? 1;
        var replicas = update.Replicas ?? wanted;
        var ready = update.ReadyReplicas ?? replicas;
        var available = update.AvailableReplicas ?? ready;
        var updated = update.UpdatedReplicas ?? replicas;
        var generation = update.ObservedGeneration ?? JsonUtil.Long(deployment, "metadata", "generation") ?? 1;
        var name = JsonUtil.String(deployment, "metadata", "name");
        var status = new JsonObject { ["observedGeneration"] = generation };
        Put(status, "replicas", replicas);
        Put(status, "updatedReplicas", updated);
        Put(status, "readyReplicas", ready);
        Put(status, "availableReplicas", available);
        Put(status, "unavailableReplicas", Math.Max(0, wanted - available));
        var isAvailable = available >= wanted;
        var complete = isAvailable && updated >= wanted && replicas == wanted;
        var previous = JsonUtil.Array(deployment, "status", "conditions");
        status["conditions"] = new JsonArray(
            Condition(previous, "Available", isAvailable, isAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                isAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now),
            Condition(previous, "Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                complete ? $"ReplicaSet \"{name}\" has successfully progressed." : $"ReplicaSet \"{name}\" is progressing.", now));
        return status;
    }

    private static void Put(JsonObject status, string field, long value)
    {
        if (value != 0)
        {
            status[field] = value;
        }
    }

    private static JsonObject Condition(JsonArray? previous, string type, bool ok, string reason, string message, string now)
    {
        var state = ok ? "True" : "False";
        var before = previous?.OfType<JsonObject>().FirstOrDefault(c => JsonUtil.String(c, "type") == type);
        var same = before is not null && JsonUtil.String(before, "status") == state && JsonUtil.String(before, "reason") == reason;
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = state,
            ["lastUpdateTime"] = same ? JsonUtil.String(before, "lastUpdateTime") ?? now : now,
            ["lastTransitionTime"] = same || (before is not null && JsonUtil.String(before, "status") == state)
                ? JsonUtil.String(before, "lastTransitionTime") ?? now
                : now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }
}
