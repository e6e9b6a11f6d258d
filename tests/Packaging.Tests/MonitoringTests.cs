using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using LlmKube.Api;
using LlmKube.Core.Builders;
using LlmKube.Tests.Shared;

namespace Packaging.Tests;

/// <summary>The chart's monitoring objects: off by default, rendered on request, and querying only what the operator exports.</summary>
public sealed class MonitoringTests
{
    private const string AllOn = "monitoring.serviceMonitor.enabled=true,monitoring.podMonitor.enabled=true,monitoring.prometheusRule.enabled=true,monitoring.dashboards.enabled=true";

    // Labels Prometheus attaches to every series of a target (the ServiceMonitor's and PodMonitor's), not the operator.
    private static readonly string[] TargetLabels = ["job", "instance", "pod", "namespace", "service", "container", "endpoint"];

    private static readonly string[] Kinds = ["ServiceMonitor", "PodMonitor", "PrometheusRule"];

    [HelmFact]
    public async Task Every_monitoring_object_is_off_by_default_and_each_switch_renders_only_its_own()
    {
        var defaults = YamlDocuments.Parse(await HelmChart.TemplateAsync());
        Assert.All(Kinds, k => Assert.Empty(defaults.OfKind(k)));
        Assert.Empty(defaults.OfKind("ConfigMap"));

        foreach (var (set, kind) in new[] { ("serviceMonitor", "ServiceMonitor"), ("podMonitor", "PodMonitor"), ("prometheusRule", "PrometheusRule"), ("dashboards", "ConfigMap") })
        {
            var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync($"monitoring.{set}.enabled=true"));
            var added = objects.Where(o => !defaults.Any(d => JsonNode.DeepEquals(d["metadata"]!["name"], o["metadata"]!["name"]) && (string?)d["kind"] == (string?)o["kind"])).ToList();
            Assert.Equal([kind], added.Select(o => (string)o["kind"]!));
        }
    }

    [HelmFact]
    public async Task The_service_monitor_scrapes_the_metrics_service_keeping_the_objects_namespace_label()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync(AllOn, "monitoring.serviceMonitor.labels.release=kube-prometheus-stack,monitoring.serviceMonitor.interval=15s"));
        var monitor = objects.OfKind("ServiceMonitor").Single();
        var service = objects.OfKind("Service", "llmkube-operator-metrics").Single();

        Assert.Equal("kube-prometheus-stack", (string?)monitor["metadata"]!["labels"]!["release"]);
        Assert.All(monitor["spec"]!["selector"]!["matchLabels"]!.AsObject(), l => Assert.Equal((string?)l.Value, (string?)service["metadata"]!["labels"]![l.Key]));
        Assert.Equal([HelmChart.ReleaseNamespace], Rendered.Strings(monitor["spec"]!["namespaceSelector"]!["matchNames"]));
        var endpoint = monitor["spec"]!["endpoints"]![0]!;
        Assert.Equal((string?)service["spec"]!["ports"]![0]!["name"], (string?)endpoint["port"]);
        Assert.Equal(("/metrics", "15s", true), ((string?)endpoint["path"], (string?)endpoint["interval"], (bool?)endpoint["honorLabels"]));
        var (code, _, stderr) = await HelmChart.RunAsync(HelmChart.TemplateArgs(["monitoring.serviceMonitor.enabled=true,metrics.enabled=false"]));
        Assert.NotEqual(0, code);
        Assert.Contains("monitoring.serviceMonitor.enabled needs metrics.enabled=true", stderr, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task The_pod_monitor_selects_the_model_servers_by_the_labels_and_port_the_builders_give_them()
    {
        var monitor = YamlDocuments.Parse(await HelmChart.TemplateAsync(AllOn)).OfKind("PodMonitor").Single();

        Assert.Equal(Runtimes.LlamaCpp, (string?)monitor["spec"]!["selector"]!["matchLabels"]![ObjectLabels.RuntimeLabel]);
        Assert.Equal(ServerContainer.PortName, (string?)monitor["spec"]!["podMetricsEndpoints"]![0]!["port"]);
        Assert.True((bool)monitor["spec"]!["namespaceSelector"]!["any"]!);
        Assert.Equal([ObjectLabels.InferenceServiceLabel, ObjectLabels.ModelLabel], Rendered.Strings(monitor["spec"]!["podTargetLabels"]));
    }

    [HelmFact]
    public async Task The_dashboard_config_map_carries_the_sidecar_label_and_valid_dashboard_json()
    {
        var map = YamlDocuments.Parse(await HelmChart.TemplateAsync(AllOn, "monitoring.dashboards.namespace=monitoring")).OfKind("ConfigMap").Single();

        Assert.Equal(("1", "monitoring"), ((string?)map["metadata"]!["labels"]!["grafana_dashboard"], (string?)map["metadata"]!["namespace"]));
        var dashboard = JsonNode.Parse((string)map["data"]!["llmkube-operator.json"]!)!;
        Assert.Equal("llmkube-operator", (string?)dashboard["uid"]);
        Assert.True(Panels(dashboard).Count() >= 20);
    }

    [HelmFact]
    public async Task Every_metric_a_rule_or_a_dashboard_panel_queries_is_one_the_operator_exports_with_labels_it_has()
    {
        var (queries, documented) = (await Queries(), MetricsTable.Read());
        Assert.True(queries.Count >= 35, $"only {queries.Count} queries found: the extraction is broken");

        var problems = queries.SelectMany(q => Problems(q.Where, q.Expr, documented)).ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_query_check_catches_an_unknown_metric_and_a_label_the_metric_does_not_have()
    {
        var documented = MetricsTable.Read();

        Assert.Empty(Problems("ok", "sum by (controller, le) (rate(controller_runtime_reconcile_time_seconds_bucket{job=\"x\"}[5m])) > 1e-05", documented));
        Assert.Single(Problems("typo", "rate(controller_runtime_reconcile_totals[5m])", documented));
        Assert.Single(Problems("label", "max by (namespace) (llmkube_inferenceservice_phase{state=\"Failed\"})", documented));
        Assert.Single(Problems("grafana", "label_values(llmkube_model_status, reason)", documented));
        Assert.Equal(["up"], PromQl.Selectors("absent(up{job=\"a\"} == 1) and on (job) vector(1)").Select(s => s.Metric));
    }

    [PromtoolFact]
    public async Task The_rendered_rules_pass_promtool_check_rules()
    {
        using var dir = new TempDirectory();
        var rules = await WriteRulesAsync(dir.Path, "monitoring.prometheusRule.failedFor=30m");

        var (code, output) = await Promtool.RunAsync(null, "check", "rules", rules);

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 7 rules found", output, StringComparison.Ordinal);
    }

    [PromtoolFact]
    public async Task Promtool_unit_tests_of_the_alerts_pass_on_the_rendered_rules()
    {
        using var dir = new TempDirectory();
        await WriteRulesAsync(dir.Path);
        var tests = Path.Combine(dir.Path, "tests.yaml");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Assets", "prometheus-rule-tests.yaml"), tests);

        var (code, output) = await Promtool.RunAsync(null, "test", "rules", tests);

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    /// <summary>What is wrong with one query: metrics not in the table, labels neither the metric's nor the target's.</summary>
    private static IEnumerable<string> Problems(string where, string expr, IReadOnlyDictionary<string, DocumentedMetric> documented)
    {
        foreach (var selector in PromQl.Selectors(expr))
        {
            if (selector.Metric == "up")
            {
                continue; // Prometheus' own series of each target, not the operator's
            }

            if (MetricsTable.FamilyOf(documented, selector.Metric) is not { } family)
            {
                yield return $"{where}: {selector.Metric} is not a metric the operator exports ({MetricsTable.Document}): {expr}";
                continue;
            }

            var bucket = family.Type == "histogram" && selector.Metric.EndsWith("_bucket", StringComparison.Ordinal);
            foreach (var label in selector.Labels.Where(l => !family.Labels.Contains(l) && !TargetLabels.Contains(l) && !(bucket && l == "le")))
            {
                yield return $"{where}: {selector.Metric} has no label {label} (it has {string.Join(", ", family.Labels)}): {expr}";
            }
        }
    }

    private static async Task<List<(string Where, string Expr)>> Queries()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync(AllOn));
        var queries = new List<(string, string)>();
        foreach (var rule in objects.OfKind("PrometheusRule").Single()["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()))
        {
            queries.Add(($"alert {rule!["alert"]}", (string)rule["expr"]!));
        }

        var dashboard = JsonNode.Parse((string)objects.OfKind("ConfigMap").Single()["data"]!["llmkube-operator.json"]!)!;
        foreach (var panel in Panels(dashboard))
        {
            foreach (var target in panel["targets"]?.AsArray() ?? [])
            {
                queries.Add(($"panel {panel["title"]}", (string)target!["expr"]!));
            }
        }

        foreach (var variable in dashboard["templating"]!["list"]!.AsArray().Where(v => (string?)v!["type"] == "query"))
        {
            queries.Add(($"variable {variable!["name"]}", (string)variable["query"]!["query"]!));
        }

        return queries;
    }

    private static IEnumerable<JsonNode> Panels(JsonNode dashboard) =>
        dashboard["panels"]!.AsArray().SelectMany(p => (string?)p!["type"] == "row" ? p["panels"]!.AsArray().Append(p) : [p]).Where(p => (string?)p!["type"] != "row")!;

    /// <summary>The PrometheusRule's <c>spec</c> as the rule file promtool reads (JSON is YAML).</summary>
    private static async Task<string> WriteRulesAsync(string dir, params string[] sets)
    {
        var rule = YamlDocuments.Parse(await HelmChart.TemplateAsync([AllOn, .. sets])).OfKind("PrometheusRule").Single();
        var path = Path.Combine(dir, "rules.yaml");
        await File.WriteAllTextAsync(path, rule["spec"]!.ToJsonString());
        return path;
    }

    private sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"llmkube-monitoring-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
