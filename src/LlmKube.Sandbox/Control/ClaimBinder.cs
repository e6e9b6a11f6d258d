using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Control;

/// <summary>Binds and unbinds PVCs as a provisioner and the PV controller would, creating or deleting the PV.</summary>
internal static class ClaimBinder
{
    private const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";

    public static JsonObject Bind(ResourceService service, string ns, string name, ClaimBinding binding)
    {
        var claims = service.Registry.Find(string.Empty, "v1", "persistentvolumeclaims")!;
        var volumes = service.Registry.Find(string.Empty, "v1", "persistentvolumes")!;
        var claim = service.Find(claims, ns, name) ?? throw new KeyNotFoundException($"persistentvolumeclaims \"{name}\" not found in namespace \"{ns}\"");
        var volumeName = binding.VolumeName ?? $"pvc-{claim.Uid}";
        var spec = JsonUtil.Object(claim.Object, "spec");
        var storage = JsonUtil.At(spec, "resources", "requests", "storage")?.DeepClone();
        var accessModes = JsonUtil.Array(spec, "accessModes")?.DeepClone() as JsonArray ?? new JsonArray("ReadWriteOnce");
        if (binding.Phase == "Bound")
        {
            if (binding.CreateVolume && service.Find(volumes, string.Empty, volumeName) is null)
            {
                service.Create(volumes, string.Empty, Volume(volumeName, claim.Namespace, claim.Name, claim.Uid, spec, storage, accessModes, binding.NodeHostnames), WriteContext.Controller());
            }

            var bound = service.Mutate(claims, ns, name, obj =>
            {
                var claimSpec = JsonUtil.EnsureObject(obj, "spec");
                claimSpec["volumeName"] = volumeName;
                var annotations = JsonUtil.EnsureObject(JsonUtil.Metadata(obj), "annotations");
                annotations["pv.kubernetes.io/bind-completed"] = "yes";
                annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
                obj["status"] = new JsonObject
                {
                    ["phase"] = "Bound",
                    ["accessModes"] = accessModes.DeepClone(),
                    ["capacity"] = new JsonObject { ["storage"] = storage?.DeepClone() },
                };
                return true;
            });
            return Presenter.Object(claims, bound!);
        }

        if (binding.Phase is not ("Pending" or "Lost"))
        {
            throw new ArgumentException($"phase must be Bound, Pending or Lost, not {binding.Phase}", nameof(binding));
        }

        var changed = service.Mutate(claims, ns, name, obj =>
        {
            JsonUtil.EnsureObject(obj, "status")["phase"] = binding.Phase;
            return true;
        });
        return Presenter.Object(claims, changed!);
    }

    public static JsonObject Unbind(ResourceService service, string ns, string name, bool deleteVolume)
    {
        var claims = service.Registry.Find(string.Empty, "v1", "persistentvolumeclaims")!;
        var volumes = service.Registry.Find(string.Empty, "v1", "persistentvolumes")!;
        var claim = service.Find(claims, ns, name) ?? throw new KeyNotFoundException($"persistentvolumeclaims \"{name}\" not found in namespace \"{ns}\"");
        var volumeName = JsonUtil.String(claim.Object, "spec", "volumeName");
        var unbound = service.Mutate(claims, ns, name, obj =>
        {
            JsonUtil.EnsureObject(obj, "spec").Remove("volumeName");
            if (JsonUtil.Object(obj, "metadata", "annotations") is { } annotations)
            {
                annotations.Remove("pv.kubernetes.io/bind-completed");
                annotations.Remove("pv.kubernetes.io/bound-by-controller");
            }

            obj["status"] = new JsonObject { ["phase"] = "Pending" };
            return true;
        });
        if (deleteVolume && !string.IsNullOrEmpty(volumeName) && service.Find(volumes, string.Empty, volumeName) is { } volume)
        {
            try
            {
                service.Delete(volumes, string.Empty, volume.Name, DeleteOptions.Default, WriteContext.Controller());
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Already gone.
            }
        }

        return Presenter.Object(claims, unbound!);
    }

    private static JsonObject Volume(
        string name, string ns, string claimName, string claimUid, JsonObject? claimSpec, JsonNode? storage, JsonArray accessModes, IReadOnlyList<string>? hostnames)
    {
        var spec = new JsonObject
        {
            ["capacity"] = new JsonObject { ["storage"] = storage?.DeepClone() },
            ["accessModes"] = accessModes.DeepClone(),
            ["persistentVolumeReclaimPolicy"] = "Delete",
            ["volumeMode"] = JsonUtil.String(claimSpec, "volumeMode") ?? "Filesystem",
            ["claimRef"] = new JsonObject
            {
                ["kind"] = "PersistentVolumeClaim",
                ["namespace"] = ns,
                ["name"] = claimName,
                ["uid"] = claimUid,
                ["apiVersion"] = "v1",
            },
        };
        if (JsonUtil.String(claimSpec, "storageClassName") is { } storageClass)
        {
            spec["storageClassName"] = storageClass;
        }

        if (hostnames is { Count: > 0 })
        {
            spec["local"] = new JsonObject { ["path"] = $"/var/lib/llmkube-sandbox/{name}" };
            spec["nodeAffinity"] = new JsonObject
            {
                ["required"] = new JsonObject
                {
                    ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                    {
                        ["matchExpressions"] = new JsonArray(new JsonObject
                        {
                            ["key"] = "kubernetes.io/hostname",
                            ["operator"] = "In",
                            ["values"] = JsonUtil.ToArray(hostnames),
                        }),
                    }),
                },
            };
        }
        else
        {
            spec["hostPath"] = new JsonObject { ["path"] = $"/var/lib/llmkube-sandbox/{name}", ["type"] = string.Empty };
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["annotations"] = new JsonObject { [ProvisionedBy] = "llmkube-sandbox" },
            },
            ["spec"] = spec,
            ["status"] = new JsonObject { ["phase"] = "Bound" },
        };
    }
}
