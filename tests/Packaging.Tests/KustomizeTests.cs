using System.Diagnostics;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using LlmKube.Tests.Shared;

namespace Packaging.Tests;

/// <summary>config/ for kustomize users renders the same objects as the chart with its default values.</summary>
public sealed class KustomizeTests
{
    private static readonly string[] HelmOnlyLabels = ["helm.sh/chart", "app.kubernetes.io/managed-by"];

    [HelmFact]
    public async Task Config_default_renders_the_same_objects_as_the_chart_defaults()
    {
        var kustomized = Normalise(YamlDocuments.Parse(await KustomizeAsync(RepoPaths.Combine("config", "default"))));
        var charted = Normalise(YamlDocuments.Parse(await HelmChart.TemplateAsync()));

        // The one deliberate difference: kustomize users get the Namespace; Helm users pass --create-namespace.
        Assert.True(kustomized.Remove($"Namespace//{HelmChart.ReleaseNamespace}"), "config/default should create the llmkube-system Namespace");
        Assert.Equal(charted.Keys.Order(StringComparer.Ordinal), kustomized.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, expected) in charted)
        {
            Assert.True(JsonNode.DeepEquals(expected, kustomized[id]),
                $"{id} differs between the chart and config/default at {FirstDifference(expected, kustomized[id], "")}");
        }
    }

    [Fact]
    public async Task Config_crd_kustomization_lists_every_generated_crd()
    {
        var rendered = YamlDocuments.Parse(await KustomizeAsync(RepoPaths.Combine("config", "crd")));
        var files = Directory.GetFiles(RepoPaths.Combine("config", "crd"), "*.yaml").SelectMany(f => YamlDocuments.Parse(File.ReadAllText(f))).ToList();

        Assert.Equal(files.Select(f => (string?)f["metadata"]!["name"]).Order(StringComparer.Ordinal), rendered.Select(f => (string?)f["metadata"]!["name"]).Order(StringComparer.Ordinal));
    }

    /// <summary>The path of the first difference and both values there.</summary>
    private static string FirstDifference(JsonNode? a, JsonNode? b, string path)
    {
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                foreach (var key in x.Select(p => p.Key).Union(y.Select(p => p.Key)))
                {
                    if (!JsonNode.DeepEquals(x[key], y[key]))
                    {
                        return FirstDifference(x[key], y[key], $"{path}.{key}");
                    }
                }

                break;
            case (JsonArray x, JsonArray y) when x.Count == y.Count:
                for (var i = 0; i < x.Count; i++)
                {
                    if (!JsonNode.DeepEquals(x[i], y[i]))
                    {
                        return FirstDifference(x[i], y[i], $"{path}[{i}]");
                    }
                }

                break;
        }

        return $"{path}: chart {a?.ToJsonString() ?? "(absent)"}, kustomize {b?.ToJsonString() ?? "(absent)"}";
    }

    /// <summary>Objects by kind/namespace/name, without the labels only Helm adds and the CRDs' keep annotation.</summary>
    private static Dictionary<string, JsonObject> Normalise(IEnumerable<JsonObject> objects)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            var copy = o.DeepClone().AsObject();
            var metadata = copy["metadata"]!.AsObject();
            if (metadata["labels"] is JsonObject labels)
            {
                foreach (var label in HelmOnlyLabels)
                {
                    labels.Remove(label);
                }
            }

            if (metadata["annotations"] is JsonObject annotations)
            {
                annotations.Remove("helm.sh/resource-policy");
                if (annotations.Count == 0)
                {
                    metadata.Remove("annotations");
                }
            }

            result.Add($"{copy["kind"]}/{metadata["namespace"]}/{metadata["name"]}", copy);
        }

        return result;
    }

    private static async Task<string> KustomizeAsync(string dir)
    {
        var info = new ProcessStartInfo(KubectlBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("kustomize");
        info.ArgumentList.Add(dir);
        info.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {dir}: {await stderr}");
        return await stdout;
    }
}
