using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Admission.Json;
using LlmKube.ControllerRuntime;

namespace LlmKube.Cli.Output;

/// <summary>-o table|json|yaml.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Yaml,
}

internal static class Documents
{
    public const string Table = "table";
    public const string Json = "json";
    public const string Yaml = "yaml";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static OutputFormat Parse(string? value) => value switch
    {
        Json => OutputFormat.Json,
        Yaml => OutputFormat.Yaml,
        _ => OutputFormat.Table,
    };

    /// <summary>A Kubernetes object as JSON, exactly as the API serves it (our types serialise through KubernetesJson).</summary>
    public static JsonNode ToNode(object obj) => KubernetesJsonNodes.ToNode(obj)!;

    /// <summary>A <c>v1 List</c> of objects, as kubectl prints one.</summary>
    public static JsonObject List(IEnumerable<object> items) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["items"] = new JsonArray(items.Select(ToNode).ToArray()),
    };

    /// <summary>Writes a document as indented JSON or as YAML.</summary>
    public static async Task WriteAsync(TextWriter output, OutputFormat format, JsonNode document)
    {
        ArgumentNullException.ThrowIfNull(output);
        var text = format == OutputFormat.Yaml ? YamlJson.Write(document) : document.ToJsonString(Indented) + "\n";
        await output.WriteAsync(text).ConfigureAwait(false);
    }
}
