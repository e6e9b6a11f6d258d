using System.Text.Json.Nodes;
using LlmKube.Admission;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Selectors;

namespace LlmKube.Sandbox.Admission;

/// <summary>
/// Light validation of the built-in kinds: the name rule of each kind, the required basics, and the
/// immutable fields that catch real controller bugs (Deployment selector, Job template, PVC spec).
/// </summary>
internal static class BuiltinValidation
{
    public static NameRule NameRuleFor(string group, string kind, bool custom) => custom
        ? NameRule.Dns1123Subdomain
        : (group, kind) switch
        {
            (_, "Namespace") => NameRule.Dns1123Label,
            ("", "Service") => NameRule.Dns1035Label,
            ("rbac.authorization.k8s.io", _) => NameRule.PathSegment,
            ("", "Event") => NameRule.Dns1123Subdomain,
            _ => NameRule.Dns1123Subdomain,
        };

    public static void Validate(string kind, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj["spec"] as JsonObject;
        switch (kind)
        {
            case "Deployment" or "ReplicaSet":
                Workload(spec, old?["spec"] as JsonObject, errors);
                break;
            case "Job":
                Job(spec, old?["spec"] as JsonObject, errors);
                break;
            case "Pod":
                Containers(JsonUtil.Array(spec, "containers"), "spec.containers", errors);
                break;
            case "Service":
                Service(spec, errors);
                break;
            case "PersistentVolumeClaim":
                Claim(spec, old, errors);
                break;
            case "PersistentVolume":
                if (JsonUtil.Object(spec, "capacity") is null)
                {
                    errors.Add(FieldError.Required("spec.capacity"));
                }

                if (JsonUtil.Array(spec, "accessModes") is not { Count: > 0 })
                {
                    errors.Add(FieldError.Required("spec.accessModes"));
                }

                break;
            case "ConfigMap":
                foreach (var section in new[] { "data", "binaryData" })
                {
                    if (obj[section] is JsonObject data)
                    {
                        foreach (var (key, _) in data)
                        {
                            if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                            {
                                errors.Add(FieldError.Invalid($"{section}[{key}]", JsonUtil.Quote(key), "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
                            }
                        }
                    }
                }

                break;
            case "Secret" when obj["data"] is JsonObject data:
                foreach (var (key, value) in data)
                {
                    var text = (string?)value ?? string.Empty;
                    if (!Convert.TryFromBase64String(text, new byte[text.Length], out _))
                    {
                        errors.Add(FieldError.Invalid($"data[{key}]", "\"<secret contents redacted>\"", "illegal base64 data"));
                    }
                }

                break;
        }
    }

    private static void Workload(JsonObject? spec, JsonObject? oldSpec, List<FieldError> errors)
    {
        if (JsonUtil.Long(spec, "replicas") is < 0)
        {
            errors.Add(FieldError.Invalid("spec.replicas", JsonUtil.ToText(spec!["replicas"]), "must be greater than or equal to 0"));
        }

        var selector = JsonUtil.Object(spec, "selector");
        if (selector is null)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else if (!SelectorMatches(selector, JsonUtil.Object(spec, "template", "metadata", "labels")))
        {
            errors.Add(FieldError.Invalid("spec.template.metadata.labels", JsonUtil.ToText(JsonUtil.Object(spec, "template", "metadata", "labels")), "`selector` does not match template `labels`"));
        }

        if (oldSpec is not null && !JsonNode.DeepEquals(oldSpec["selector"], selector))
        {
            errors.Add(FieldError.Invalid("spec.selector", JsonUtil.ToText(selector), "field is immutable"));
        }

        Containers(JsonUtil.Array(spec, "template", "spec", "containers"), "spec.template.spec.containers", errors);
    }

    private static void Job(JsonObject? spec, JsonObject? oldSpec, List<FieldError> errors)
    {
        Containers(JsonUtil.Array(spec, "template", "spec", "containers"), "spec.template.spec.containers", errors);
        var restart = JsonUtil.String(spec, "template", "spec", "restartPolicy");
        if (restart is not ("OnFailure" or "Never"))
        {
            errors.Add(restart is null
                ? FieldError.Required("spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\"")
                : FieldError.NotSupported("spec.template.spec.restartPolicy", JsonUtil.Quote(restart), ["\"OnFailure\"", "\"Never\""]));
        }

        if (oldSpec is not null)
        {
            var before = JsonUtil.Object(oldSpec, "template");
            var after = JsonUtil.Object(spec, "template");
            if (!JsonNode.DeepEquals(before, after))
            {
                errors.Add(FieldError.Invalid("spec.template", "\"object\"", "field is immutable"));
            }
        }
    }

    private static void Service(JsonObject? spec, List<FieldError> errors)
    {
        var type = JsonUtil.String(spec, "type") ?? "ClusterIP";
        var ports = JsonUtil.Array(spec, "ports");
        var headless = JsonUtil.String(spec, "clusterIP") == "None";
        if (type != "ExternalName" && !headless && ports is not { Count: > 0 })
        {
            errors.Add(FieldError.Required("spec.ports"));
        }

        if (ports is { Count: > 1 })
        {
            for (var i = 0; i < ports.Count; i++)
            {
                if (string.IsNullOrEmpty(JsonUtil.String(ports[i], "name")))
                {
                    errors.Add(FieldError.Required($"spec.ports[{i}].name"));
                }
            }
        }

        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            if (JsonUtil.Long(ports![i], "port") is not (>= 1 and <= 65535))
            {
                errors.Add(FieldError.Invalid($"spec.ports[{i}].port", JsonUtil.ToText(ports[i]?["port"]), "must be between 1 and 65535, inclusive"));
            }
        }
    }

    private static void Claim(JsonObject? spec, JsonObject? old, List<FieldError> errors)
    {
        var oldSpec = old?["spec"] as JsonObject;
        if (JsonUtil.Array(spec, "accessModes") is not { Count: > 0 })
        {
            errors.Add(FieldError.Required("spec.accessModes", "at least 1 access mode is required"));
        }

        if (JsonUtil.String(spec, "resources", "requests", "storage") is null && JsonUtil.At(spec, "resources", "requests", "storage") is null)
        {
            errors.Add(FieldError.Required("spec.resources[storage]"));
        }

        if (oldSpec is null)
        {
            return;
        }

        // As the API server: only a bound claim's request may change, and never to or below its capacity (the
        // RecoverVolumeExpansionFailure rule: a failed expansion may be walked back, a claim never shrinks).
        var bound = JsonUtil.String(old, "status", "phase") == "Bound";
        var before = Comparable(oldSpec, keepVolumeName: true, keepRequests: !bound);
        var after = Comparable(spec ?? new JsonObject(), keepVolumeName: JsonUtil.String(oldSpec, "volumeName") is { Length: > 0 }, keepRequests: !bound);
        if (!JsonNode.DeepEquals(before, after))
        {
            errors.Add(FieldError.Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        }

        if (bound && StorageQuantity(spec, "resources", "requests") is { } requested && StorageQuantity(oldSpec, "resources", "requests") is { } previous && requested < previous &&
            (StorageQuantity(old?["status"] as JsonObject, "capacity") is not { } capacity || requested <= capacity))
        {
            errors.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
        }
    }

    /// <summary>The <c>storage</c> quantity under <paramref name="path"/>, in bytes; null when absent or not a quantity.</summary>
    public static decimal? StorageQuantity(JsonObject? parent, params string[] path) =>
        JsonUtil.At(parent, [.. path, "storage"])?.ToString() is { } text && CelQuantity.TryParse(text, out var quantity) ? quantity.Value : null;

    private static JsonObject Comparable(JsonObject spec, bool keepVolumeName, bool keepRequests)
    {
        var copy = JsonUtil.Without(spec, "volumeAttributesClassName");
        if (!keepRequests && copy["resources"] is JsonObject resources)
        {
            resources.Remove("requests");
            if (resources.Count == 0)
            {
                copy.Remove("resources");
            }
        }
        if (!keepVolumeName)
        {
            copy.Remove("volumeName");
        }

        if (copy["volumeName"] is null)
        {
            copy.Remove("volumeName");
        }

        return copy;
    }

    private static void Containers(JsonArray? containers, string field, List<FieldError> errors)
    {
        if (containers is not { Count: > 0 })
        {
            errors.Add(FieldError.Required(field));
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var name = JsonUtil.String(containers[i], "name");
            if (string.IsNullOrEmpty(name))
            {
                errors.Add(FieldError.Required($"{field}[{i}].name"));
            }
            else
            {
                errors.AddRange(MetadataValidation.ValidateName(name, NameRule.Dns1123Label, $"{field}[{i}].name"));
                if (!names.Add(name))
                {
                    errors.Add(new FieldError($"{field}[{i}].name", FieldErrorType.Duplicate, JsonUtil.Quote(name), string.Empty));
                }
            }

            if (string.IsNullOrEmpty(JsonUtil.String(containers[i], "image")))
            {
                errors.Add(FieldError.Required($"{field}[{i}].image"));
            }
        }
    }

    private static bool SelectorMatches(JsonObject selector, JsonObject? labels)
    {
        var map = JsonUtil.StringMap(labels);
        var parsed = LabelSelectorFrom(selector);
        return !parsed.IsEmpty && parsed.Matches(map);
    }

    /// <summary>A <c>metav1.LabelSelector</c> object as a parsed selector.</summary>
    public static LabelSelector LabelSelectorFrom(JsonObject selector)
    {
        var terms = new List<string>();
        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            terms.AddRange(matchLabels.Select(p => $"{p.Key}={(string?)p.Value}"));
        }

        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions.OfType<JsonObject>())
            {
                var key = JsonUtil.String(expression, "key");
                var values = string.Join(",", JsonUtil.StringList(expression["values"]));
                terms.Add(JsonUtil.String(expression, "operator") switch
                {
                    "In" => $"{key} in ({values})",
                    "NotIn" => $"{key} notin ({values})",
                    "Exists" => key ?? string.Empty,
                    "DoesNotExist" => "!" + key,
                    _ => key ?? string.Empty,
                });
            }
        }

        return LabelSelector.Parse(string.Join(",", terms));
    }
}
