using System.Text;
using k8s;
using LlmKube.Admission.Json;
using LlmKube.Cli.Output;

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
            return Documents.List(objects).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        }

        var builder = new StringBuilder();
        foreach (var obj in objects)
        {
            builder.Append("---\n").Append(YamlJson.Write(Documents.ToNode(obj)));
        }

        return builder.ToString();
    }
}
