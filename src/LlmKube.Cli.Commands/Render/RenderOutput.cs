using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace LlmKube.Cli.Render;

/// <summary>Writes rendered objects as YAML documents or as one JSON <c>List</c>.</summary>
internal static class RenderOutput
{
    public const string Yaml = "yaml";
    public const string Json = "json";

    public static string Format(IReadOnlyList<IKubernetesObject> objects, string format)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (format == Json)
        {
            var items = new JsonArray(objects.Select(o => JsonNode.Parse(KubernetesJson.Serialize(o))).ToArray());
            var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = items };
            return list.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        }

        var builder = new StringBuilder();
        foreach (var obj in objects)
        {
            builder.Append("---\n").Append(KubernetesYaml.Serialize(obj));
            if (builder[^1] != '\n')
            {
                builder.Append('\n');
            }
        }

        return builder.ToString();
    }
}
