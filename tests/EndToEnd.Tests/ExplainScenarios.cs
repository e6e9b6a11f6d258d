using System.Text.RegularExpressions;
using EndToEnd.Tests.Support;
using k8s.Models;
using LlmKube.Api.Schema;
using LlmKube.Cli;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests;

/// <summary>
/// <c>kubectl explain</c> against <c>llmkube sandbox up</c>: the CRDs it installs carry the API types' doc comments, the
/// sandbox publishes them in <c>/openapi/v3</c>, and the real kubectl prints them; kubectl's default (server-side)
/// validation keeps working beside the published schemas.
/// </summary>
public sealed partial class ExplainScenarios
{
    [Fact]
    public async Task Kubectl_explain_against_sandbox_up_prints_the_doc_comments_of_the_api_types()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"llmkube-explain-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        var output = new StringWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var up = Task.Run(() => CliApp.RunAsync(
            ["sandbox", "up", "-f", RepoPaths.Combine("examples", "per-service.yaml"), "--port", "0", "--kubeconfig", kubeconfig],
            TextWriter.Synchronized(output),
            TextWriter.Synchronized(error),
            stop.Token));
        try
        {
            await Eventually.TrueAsync(() => up.IsCompleted || output.ToString().Contains("kubeconfig: ", StringComparison.Ordinal), "sandbox up to settle", TimeSpan.FromSeconds(90));
            Assert.False(up.IsCompleted, $"sandbox up exited: {output}{error}");
            var kubectl = new Kubectl(kubeconfig, Path.Combine(dir, "kubectl"));
            var crds = CrdDefinitions.All();
            var serviceSpec = SpecOf(crds[1]);
            var modelSpec = SpecOf(crds[0]);

            var claimName = await kubectl.OkAsync("explain", "isvc.spec.modelCache.claimName");
            Assert.Contains("KIND:       InferenceService", claimName, StringComparison.Ordinal);
            Assert.Contains("FIELD: claimName <string>", claimName, StringComparison.Ordinal);
            var description = serviceSpec.Properties["modelCache"].Properties["claimName"].Description;
            Assert.Contains("never creates, changes, labels or deletes the claim object", description, StringComparison.Ordinal);
            Assert.Contains(Words(description), Words(claimName), StringComparison.Ordinal);

            var recursive = await kubectl.OkAsync("explain", "mdl.spec", "--recursive");
            Assert.Contains(Words(modelSpec.Description), Words(recursive), StringComparison.Ordinal);
            foreach (var field in modelSpec.Properties.Keys)
            {
                Assert.Matches(new Regex($"\n  {field}\t<", RegexOptions.CultureInvariant), recursive);
            }

            Assert.Contains("      tolerationKey\t<string>", recursive, StringComparison.Ordinal);

            // Embedded Kubernetes types keep Kubernetes' own descriptions.
            var effect = await kubectl.OkAsync("explain", "isvc.spec.tolerations.effect");
            Assert.Contains("Effect indicates the taint effect to match.", Words(effect), StringComparison.Ordinal);

            // kubectl still leaves validation to the server: unknown fields are a strict decoding error, valid changes apply.
            var (code, _, typo) = await kubectl.RunAsync(["apply", "-f", "-"], """
                apiVersion: inference.llmkube.dev/v1alpha1
                kind: InferenceService
                metadata: {name: typo}
                spec: {modelRef: phi-3-mini, replcas: 2}
                """);
            Assert.NotEqual(0, code);
            Assert.Contains("strict decoding error: unknown field \"spec.replcas\"", typo, StringComparison.Ordinal);
            var (applied, stdout, stderr) = await kubectl.RunAsync(["apply", "-f", "-"], """
                apiVersion: inference.llmkube.dev/v1alpha1
                kind: InferenceService
                metadata: {name: typo}
                spec: {modelRef: phi-3-mini, replicas: 2}
                """);
            Assert.True(applied == 0, stderr);
            Assert.Contains("inferenceservice.inference.llmkube.dev/typo created", stdout, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await up.WaitAsync(TimeSpan.FromSeconds(30));
            Directory.Delete(dir, recursive: true);
        }
    }

    private static V1JSONSchemaProps SpecOf(V1CustomResourceDefinition crd) => crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];

    /// <summary>Text with its line wrapping and indentation removed, to compare kubectl's wrapped output with a description.</summary>
    private static string Words(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
