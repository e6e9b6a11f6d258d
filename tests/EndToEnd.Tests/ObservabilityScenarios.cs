using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests;

/// <summary>
/// One real operator (default log settings, standard output redirected as in a pod, leader election on) over a
/// sandbox that answers 20 % of its writes with 500: what a platform team's Prometheus and log pipeline get.
/// </summary>
public sealed class ObservedOperatorFixture : IAsyncLifetime
{
    public const string Namespace = "obs";

    internal TestCluster Cluster { get; private set; } = null!;

    internal OperatorProcess Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(new SandboxOptions { Simulation = new SimulationOptions { Deployments = true, PvcBinding = true } });
        await Cluster.CreateNamespaceAsync(Namespace);
        Operator = await Cluster.StartOperatorAsync("--leader-elect", "--leader-election-namespace", Namespace);
        await Cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("ready", "m") + Manifests.Service("orphan", "m", "  modelCache: {claimName: nowhere}"), Namespace);
        await Cluster.WaitForServiceAsync(Namespace, "ready", s => s.Status?.Phase == ServicePhases.Ready, "Ready");
        await Cluster.WaitForServiceAsync(Namespace, "orphan", s => s.Status?.Phase == ServicePhases.Failed, "Failed on the missing claim");

        // What the kubelet reports for a pod whose model-downloader ran 7 s (the sandbox runs no pods), and for a
        // look-alike pod a tenant labelled with a Model that does not exist (it must not mint a series).
        await FinishedDownloadAsync("ready-abc", "ready", "m");
        await FinishedDownloadAsync("forged-abc", "ready", "ghost");

        // From now on a fifth of the operator's writes fail, as an overloaded API server's would.
        Cluster.Server.Control.Faults = new FaultSettings { ErrorRate = 0.2, IncludeAdmin = false, Seed = 7 };
        await Cluster.ApplyAsync(string.Concat(Enumerable.Range(0, 6).Select(i => Manifests.Service($"busy-{i}", "m"))), Namespace);
        for (var i = 0; i < 6; i++)
        {
            await Cluster.WaitForServiceAsync(Namespace, $"busy-{i}", s => s.Status?.Phase == ServicePhases.Ready, "Ready despite the faults");
        }
    }

    public async Task DisposeAsync()
    {
        await Operator.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    private async Task FinishedDownloadAsync(string name, string service, string model)
    {
        var pod = await Cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = service, ["inference.llmkube.dev/service"] = service, ["inference.llmkube.dev/model"] = model } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "llama-server", Image = "x" }] },
        }, Namespace);
        var finished = DateTime.UtcNow;
        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            InitContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "model-downloader", Image = "f", ImageID = "f", Ready = true, RestartCount = 0,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, StartedAt = finished.AddSeconds(-7), FinishedAt = finished, Reason = "Completed" } },
                },
            ],
        };
        await Cluster.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, Namespace);
    }
}

public sealed partial class ObservabilityScenarios(ObservedOperatorFixture fixture) : IClassFixture<ObservedOperatorFixture>
{
    private static readonly string[] Levels = ["trace", "debug", "info", "warn", "error", "critical"];

    [Fact]
    public async Task Metrics_are_exactly_the_documented_table_with_its_types_and_labels()
    {
        var text = await TestCluster.EventuallyAsync(fixture.Operator.MetricsAsync,
            m => m.Contains("llmkube_model_download_duration_seconds_count{", StringComparison.Ordinal) && m.Contains("reason=\"ClaimNotFound\"", StringComparison.Ordinal)
                && Regex.IsMatch(m, "controller_runtime_reconcile_errors_total\\{controller=\"inferenceservice\"\\} [1-9]"),
            "domain series, a download and reconcile errors");
        var exposed = Families(text);
        var documented = MetricsTable.Read();

        Assert.True(exposed.Keys.Except(documented.Keys).ToList() is [], $"/metrics exposes families {MetricsTable.Document} does not document: {string.Join(", ", exposed.Keys.Except(documented.Keys))}");
        Assert.True(documented.Keys.Except(exposed.Keys).ToList() is [], $"{MetricsTable.Document} documents families /metrics does not expose: {string.Join(", ", documented.Keys.Except(exposed.Keys))}");
        foreach (var (name, family) in exposed)
        {
            Assert.True(documented[name].Type == family.Type, $"{name} is a {family.Type}, documented as a {documented[name].Type}");
            Assert.True(family.Labels.Count == 0 || family.Labels.SetEquals(documented[name].Labels),
                $"{name} has labels [{string.Join(", ", family.Labels)}], documented [{string.Join(", ", documented[name].Labels)}]");
        }

        // The controller-runtime names carry what the operator did; the domain series say what status says.
        Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_inferenceservice_phase{inferenceservice=\"orphan\",namespace=\"obs\",phase=\"Failed\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_inferenceservice_model_cache_ready{inferenceservice=\"orphan\",namespace=\"obs\",status=\"False\",reason=\"ClaimNotFound\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_model_cache_claims{namespace=\"obs\",kind=\"shared\",state=\"Bound\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_model_cache_claims{namespace=\"obs\",kind=\"claim\",state=\"Missing\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_model_status{model=\"m\",namespace=\"obs\",phase=\"Ready\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_inferenceservice_replicas{inferenceservice=\"ready\",namespace=\"obs\",state=\"desired\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_model_download_duration_seconds_bucket{model=\"m\",namespace=\"obs\",source_type=\"remote\",le=\"8\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("llmkube_model_download_duration_seconds_bucket{model=\"m\",namespace=\"obs\",source_type=\"remote\",le=\"4\"} 0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("model=\"ghost\"", text, StringComparison.Ordinal);
        Assert.Matches("rest_client_requests_total\\{code=\"500\",method=\"(POST|PUT|PATCH)\",host=\"127\\.0\\.0\\.1:[0-9]+\"\\} [1-9]", text);
    }

    [PromtoolFact]
    public async Task The_exposition_passes_promtool_check_metrics()
    {
        var (code, output) = await Promtool.RunAsync(await fixture.Operator.MetricsAsync(), "check", "metrics");

        Assert.True(code == 0, output);
    }

    [Fact]
    public void Every_log_line_is_a_json_object_with_a_zoned_timestamp_and_api_errors_carry_no_stack_trace()
    {
        var lines = fixture.Operator.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var reconcileLines = 0;
        var apiErrors = 0;
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line); // throws on anything that is not one JSON object per line
            var o = doc.RootElement;
            var ts = o.GetProperty("ts").GetString()!;
            Assert.True(DateTimeOffset.TryParseExact(ts, "yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), $"ts {ts} is not RFC 3339 with a zone");
            Assert.Contains(o.GetProperty("level").GetString(), Levels);
            Assert.False(string.IsNullOrEmpty(o.GetProperty("logger").GetString()), line);
            Assert.False(string.IsNullOrEmpty(o.GetProperty("msg").GetString()), line);
            Assert.False(o.TryGetProperty("stacktrace", out _), "a stack trace in the operator's log: " + line);
            if (o.TryGetProperty("reconcileID", out var id))
            {
                reconcileLines++;
                Assert.True(Guid.TryParse(id.GetString(), out _), line);
                Assert.Equal(ObservedOperatorFixture.Namespace, o.GetProperty("namespace").GetString());
                Assert.Contains(o.GetProperty("controller").GetString(), new[] { "model", "inferenceservice" });
                Assert.False(string.IsNullOrEmpty(o.GetProperty("name").GetString()), line);
            }

            if (o.GetProperty("msg").GetString()!.Contains("HTTP 500", StringComparison.Ordinal))
            {
                apiErrors++;
                Assert.Equal("warn", o.GetProperty("level").GetString());
            }
        }

        Assert.True(reconcileLines > 0, "no line carries the reconcile fields");
        Assert.True(apiErrors > 0, "the injected 500s were not logged");
    }

    /// <summary>Families from the exposition's TYPE lines, with the label names their samples carry (minus <c>le</c>).</summary>
    private static Dictionary<string, (string Type, HashSet<string> Labels)> Families(string exposition)
    {
        var families = new Dictionary<string, (string Type, HashSet<string> Labels)>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                families[parts[2]] = (parts[3], new HashSet<string>(StringComparer.Ordinal));
            }
            else if (Sample().Match(line) is { Success: true } m)
            {
                var name = m.Groups["name"].Value;
                var family = families.Keys.FirstOrDefault(f => name == f || (families[f].Type == "histogram" && name.StartsWith(f + "_", StringComparison.Ordinal)));
                Assert.True(family is not null, $"sample {name} has no TYPE line");
                foreach (Match label in LabelName().Matches(m.Groups["labels"].Value))
                {
                    if (label.Groups[1].Value != "le")
                    {
                        families[family].Labels.Add(label.Groups[1].Value);
                    }
                }
            }
        }

        return families;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? ")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();
}
