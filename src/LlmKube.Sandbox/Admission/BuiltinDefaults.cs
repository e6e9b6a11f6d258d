using System.Text;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Admission;

/// <summary>
/// The defaults the API server fills in for the built-in kinds the operator writes, so objects read back
/// look as they would on a cluster (a controller comparing desired and actual state meets the same
/// defaulted fields). Only the commonly visible defaults are applied; see the README for the list.
/// </summary>
internal static class BuiltinDefaults
{
    public static void Apply(string kind, JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject;
        switch (kind)
        {
            case "Namespace":
                JsonUtil.EnsureObject(obj, "spec")["finalizers"] ??= new JsonArray("kubernetes");
                break;
            case "Secret":
                obj["type"] ??= "Opaque";
                MergeStringData(obj);
                break;
            case "Pod" when spec is not null:
                PodSpec(spec, restartPolicy: "Always");
                break;
            case "Service" when spec is not null:
                ServiceSpec(spec);
                break;
            case "PersistentVolumeClaim" when spec is not null:
                spec["volumeMode"] ??= "Filesystem";
                break;
            case "PersistentVolume" when spec is not null:
                spec["persistentVolumeReclaimPolicy"] ??= "Retain";
                spec["volumeMode"] ??= "Filesystem";
                break;
            case "Deployment" when spec is not null:
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                var strategy = JsonUtil.EnsureObject(spec, "strategy");
                strategy["type"] ??= "RollingUpdate";
                if ((string?)strategy["type"] == "RollingUpdate")
                {
                    var rolling = JsonUtil.EnsureObject(strategy, "rollingUpdate");
                    rolling["maxUnavailable"] ??= "25%";
                    rolling["maxSurge"] ??= "25%";
                }

                Template(spec, "Always");
                break;
            case "ReplicaSet" when spec is not null:
                spec["replicas"] ??= 1;
                Template(spec, "Always");
                break;
            case "Job" when spec is not null:
                spec["parallelism"] ??= 1;
                spec["completions"] ??= 1;
                spec["backoffLimit"] ??= 6;
                spec["completionMode"] ??= "NonIndexed";
                spec["suspend"] ??= false;
                spec["podReplacementPolicy"] ??= "TerminatingOrFailed";
                Template(spec, null);
                break;
        }
    }

    /// <summary>Job selector and labels tie the pods to the Job's uid, as the Job strategy does on create.</summary>
    public static void JobSelector(JsonObject job, string uid, string name)
    {
        if (job["spec"] is not JsonObject spec || JsonUtil.Bool(spec, "manualSelector") == true)
        {
            return;
        }

        var labels = JsonUtil.EnsureObject(JsonUtil.EnsureObject(JsonUtil.EnsureObject(spec, "template"), "metadata"), "labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        spec["selector"] ??= new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
    }

    private static void MergeStringData(JsonObject secret)
    {
        if (secret["stringData"] is not JsonObject stringData)
        {
            return;
        }

        var data = JsonUtil.EnsureObject(secret, "data");
        foreach (var (key, value) in stringData)
        {
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes((string?)value ?? string.Empty));
        }

        secret.Remove("stringData");
    }

    private static void ServiceSpec(JsonObject spec)
    {
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if ((string?)spec["type"] is "NodePort" or "LoadBalancer")
        {
            spec["externalTrafficPolicy"] ??= "Cluster";
        }

        if ((string?)spec["type"] != "ExternalName")
        {
            spec["internalTrafficPolicy"] ??= "Cluster";
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
        }

        if (spec["ports"] is JsonArray ports)
        {
            foreach (var port in ports.OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }
        }
    }

    private static void Template(JsonObject spec, string? restartPolicy)
    {
        if (JsonUtil.Object(spec, "template", "spec") is { } podSpec)
        {
            PodSpec(podSpec, restartPolicy);
        }
    }

    private static void PodSpec(JsonObject spec, string? restartPolicy)
    {
        if (restartPolicy is not null)
        {
            spec["restartPolicy"] ??= restartPolicy;
        }

        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (spec[list] is JsonArray containers)
            {
                foreach (var container in containers.OfType<JsonObject>())
                {
                    Container(container);
                }
            }
        }

        if (spec["volumes"] is JsonArray volumes)
        {
            foreach (var volume in volumes.OfType<JsonObject>())
            {
                foreach (var source in new[] { "configMap", "secret", "projected", "downwardAPI" })
                {
                    if (volume[source] is JsonObject sourceObject)
                    {
                        sourceObject["defaultMode"] ??= 420;
                    }
                }
            }
        }
    }

    private static void Container(JsonObject container)
    {
        container["terminationMessagePath"] ??= "/dev/termination-log";
        container["terminationMessagePolicy"] ??= "File";
        container["resources"] ??= new JsonObject();
        if (container["imagePullPolicy"] is null)
        {
            var image = (string?)container["image"] ?? string.Empty;
            var lastSegment = image[(image.LastIndexOf('/') + 1)..];
            var latest = !lastSegment.Contains(':', StringComparison.Ordinal) && !image.Contains('@', StringComparison.Ordinal)
                || lastSegment.EndsWith(":latest", StringComparison.Ordinal);
            container["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
        }

        if (container["ports"] is JsonArray ports)
        {
            foreach (var port in ports.OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
            }
        }

        foreach (var probeName in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container[probeName] is not JsonObject probe)
            {
                continue;
            }

            probe["timeoutSeconds"] ??= 1;
            probe["periodSeconds"] ??= 10;
            probe["successThreshold"] ??= 1;
            probe["failureThreshold"] ??= 3;
            if (probe["httpGet"] is JsonObject httpGet)
            {
                httpGet["scheme"] ??= "HTTP";
                httpGet["path"] ??= "/";
            }
        }

        if (container["env"] is JsonArray env)
        {
            foreach (var fieldRef in env.OfType<JsonObject>().Select(e => JsonUtil.Object(e, "valueFrom", "fieldRef")).OfType<JsonObject>())
            {
                fieldRef["apiVersion"] ??= "v1";
            }
        }
    }
}
