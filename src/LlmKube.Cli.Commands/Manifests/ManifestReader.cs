using System.Text.Json.Nodes;
using LlmKube.Admission.Json;
using YamlDotNet.Core;

namespace LlmKube.Cli.Manifests;

/// <summary>One YAML document from an input file, with where it came from for messages.</summary>
internal sealed record ManifestDocument(string File, int Index, JsonObject Object)
{
    public string ApiVersion => (string?)Object["apiVersion"] ?? "";

    public string Kind => (string?)Object["kind"] ?? "";

    public string Name => (string?)Object["metadata"]?["name"] ?? "";

    public string? Namespace => (string?)Object["metadata"]?["namespace"];

    public string Describe(string defaultNamespace) => $"{Kind.ToLowerInvariant()} {Namespace ?? defaultNamespace}/{Name}";
}

/// <summary>Raised for input the reader cannot use at all (missing file, broken YAML); exit code 2.</summary>
internal sealed class ManifestReadException(string message) : Exception(message);

/// <summary>Reads manifests from files and directories (*.yaml, *.yml, *.json), skipping empty documents.</summary>
internal static class ManifestReader
{
    public static List<ManifestDocument> Read(IEnumerable<string> paths)
    {
        var documents = new List<ManifestDocument>();
        foreach (var file in paths.SelectMany(Expand))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException e)
            {
                throw new ManifestReadException($"cannot read {file}: {e.Message}");
            }

            documents.AddRange(Parse(file, text));
        }

        return documents;
    }

    public static IEnumerable<ManifestDocument> Parse(string file, string text)
    {
        List<JsonNode?> nodes;
        try
        {
            nodes = YamlJson.Documents(text).ToList();
        }
        catch (YamlException e)
        {
            throw new ManifestReadException($"{file}: line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner reports some malformed input (an unclosed flow sequence) this way, without a position.
            throw new ManifestReadException($"{file}: not valid YAML ({e.Message})");
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            switch (nodes[i])
            {
                case null:
                    continue;
                case JsonObject obj:
                    yield return new ManifestDocument(file, i + 1, obj);
                    break;
                default:
                    throw new ManifestReadException($"{file}: document {i + 1} is not a mapping (an object with apiVersion, kind and metadata)");
            }
        }
    }

    private static IEnumerable<string> Expand(string path)
    {
        if (Directory.Exists(path))
        {
            return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
        }

        return File.Exists(path) ? [path] : throw new ManifestReadException($"{path}: no such file or directory");
    }
}
