using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Admission;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Patching;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;
using LlmKube.Sandbox.Tables;

namespace LlmKube.Sandbox.Api;

internal sealed partial class ResourceService
{
    /// <summary>The <c>autoscaling/v1 Scale</c> view of an object with a scale subresource.</summary>
    public static JsonObject Scale(ResourceType type, StoredObject stored)
    {
        var scale = type.Scale ?? throw ApiException.NotFoundPath("the server could not find the requested resource");
        var obj = stored.Object;
        var status = new JsonObject
        {
            ["replicas"] = JsonPathLite.Evaluate(obj, scale.StatusReplicasPath).FirstOrDefault()?.DeepClone() ?? 0,
        };
        var selector = scale.LabelSelectorPath is { } path
            ? JsonPathLite.Evaluate(obj, path).FirstOrDefault() is JsonValue v ? (string?)v : null
            : JsonUtil.Object(obj, "spec", "selector") is { } labelSelector ? SelectorString(labelSelector) : null;
        if (!string.IsNullOrEmpty(selector))
        {
            status["selector"] = selector;
        }

        var meta = new JsonObject
        {
            ["name"] = stored.Name,
            ["uid"] = stored.Uid,
            ["resourceVersion"] = stored.ResourceVersion.ToString(CultureInfo.InvariantCulture),
            ["creationTimestamp"] = JsonUtil.String(obj, "metadata", "creationTimestamp"),
        };
        if (stored.Namespace.Length > 0)
        {
            meta["namespace"] = stored.Namespace;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["replicas"] = JsonPathLite.Evaluate(obj, scale.SpecReplicasPath).FirstOrDefault()?.DeepClone() ?? 0 },
            ["status"] = status,
        };
    }

    /// <summary>PUT or PATCH of <c>/scale</c>: sets the replicas at the spec path (a spec change, so generation moves).</summary>
    public JsonObject UpdateScale(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> scaleChange, WriteContext context)
    {
        var scalePaths = type.Scale ?? throw ApiException.NotFoundPath("the server could not find the requested resource");
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var current = Get(type, ns, name);
            var wanted = scaleChange(Scale(type, current));
            var version = JsonUtil.String(wanted, "metadata", "resourceVersion");
            if (!string.IsNullOrEmpty(version) && version != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiException.StaleConflict(type.Group, type.Plural, name);
            }

            var replicas = JsonUtil.Long(wanted, "spec", "replicas");
            if (replicas is null or < 0)
            {
                throw ApiException.Invalid("autoscaling", "Scale", name, [FieldError.Invalid("spec.replicas", JsonUtil.ToText(JsonUtil.At(wanted, "spec", "replicas")), "must be greater than or equal to 0")]);
            }

            var next = current.Clone();
            SetPath(next, JsonPathLite.Segments(scalePaths.SpecReplicasPath), JsonValue.Create(replicas.Value));
            var result = Commit(type, current, next, context, Subresource.None);
            if (result is not null)
            {
                return Scale(type, result);
            }
        }

        throw ApiException.StaleConflict(type.Group, type.Plural, name);
    }

    public static JsonObject PatchScale(JsonObject scale, string contentType, JsonNode? patch) =>
        contentType.Split(';')[0].Trim() switch
        {
            "application/json-patch+json" => JsonPatch.Apply(scale, patch) as JsonObject,
            "application/strategic-merge-patch+json" or "application/merge-patch+json" or "application/apply-patch+yaml" => JsonMergePatch.Apply(scale, patch) as JsonObject,
            _ => throw ApiException.UnsupportedMediaType("the body of the request was in an unknown format"),
        } ?? throw ApiException.BadRequest("the patch did not produce an object");

    private static void SetPath(JsonObject obj, string[] segments, JsonNode value)
    {
        var node = obj;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            node = JsonUtil.EnsureObject(node, segments[i]);
        }

        node[segments[^1]] = value;
    }

    private static string SelectorString(JsonObject selector)
    {
        var parts = new List<string>();
        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            parts.AddRange(matchLabels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(string?)p.Value}"));
        }

        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions.OfType<JsonObject>())
            {
                var key = JsonUtil.String(expression, "key");
                var values = string.Join(",", JsonUtil.StringList(expression["values"]));
                parts.Add(JsonUtil.String(expression, "operator") switch
                {
                    "In" => $"{key} in ({values})",
                    "NotIn" => $"{key} notin ({values})",
                    "DoesNotExist" => "!" + key,
                    _ => key ?? string.Empty,
                });
            }
        }

        return string.Join(",", parts);
    }
}
