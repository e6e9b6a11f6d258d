using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using LlmKube.Operator.Configuration;
using LlmKube.Tests.Shared;

namespace Packaging.Tests;

/// <summary>
/// Upstream LLMKube's chart values (tests/compat/llmkube-chart-values, unchanged): each file renders with its keys
/// translated, or fails once with every value that cannot be honoured and what to use instead (docs/MIGRATING.md).
/// </summary>
public sealed class ChartMigrationTests
{
    private static readonly string Fixtures = RepoPaths.Combine("tests", "compat", "llmkube-chart-values");

    /// <summary>What each fixture must do: render (null), or fail naming these keys and replacements.</summary>
    private static readonly Dictionary<string, string[]?> Expected = new(StringComparer.Ordinal)
    {
        ["values.yaml"] = ["metrics.secure=true: /metrics is plain HTTP here", "set metrics.secure=false"],
        ["values-basic.yaml"] = null,
        ["values-gpu-cluster.yaml"] = null,
        ["values-openshift.yaml"] = null,
        ["values-production.yaml"] = ["networkPolicies.enabled=true", "apply your own"],
    };

    public static TheoryData<string> Files => [.. FileNames()];

    [Fact]
    public void Every_fixture_has_an_expectation()
    {
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), FileNames());
    }

    private static List<string> FileNames() => [.. Directory.GetFiles(Fixtures, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [HelmTheory]
    [MemberData(nameof(Files))]
    public async Task Each_upstream_values_file_renders_translated_or_fails_naming_the_replacement(string file)
    {
        var (code, stdout, stderr) = await TemplateAsync(file);

        if (Expected[file] is { } messages)
        {
            Assert.True(code != 0, $"{file} rendered, but should fail naming {string.Join(", ", messages)}");
            Assert.Contains("cannot be honoured by this chart", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("values don't meet the specifications of the schema", stderr, StringComparison.Ordinal);
            Assert.All(messages, m => Assert.Contains(m, stderr, StringComparison.Ordinal));
            Assert.Single(stderr.Split('\n'), l => l.StartsWith("- ", StringComparison.Ordinal)); // exactly the one problem of the file
        }
        else
        {
            Assert.True(code == 0, $"{file}: {stderr}");
            AssertTheOperatorAcceptsTheFlags(YamlDocuments.Parse(stdout));
        }
    }

    [HelmFact]
    public async Task Basic_values_keep_their_resources_and_run_this_charts_operator_image()
    {
        var objects = await RenderAsync("values-basic.yaml");
        var container = Rendered.Container(objects);

        Assert.Equal("ghcr.io/llmkube/llmkube-operator:" + LlmKube.Api.ProductVersion.Current, (string?)container["image"]);
        Assert.Equal(("500m", "2Gi", "10m", "512Mi"),
            ((string?)container["resources"]!["limits"]!["cpu"], (string?)container["resources"]!["limits"]!["memory"],
             (string?)container["resources"]!["requests"]!["cpu"], (string?)container["resources"]!["requests"]!["memory"]));
        Assert.Empty(objects.OfKind("ServiceMonitor"));
        Assert.Empty(objects.OfKind("PrometheusRule"));
    }

    [HelmFact]
    public async Task Gpu_cluster_values_bring_their_monitoring_placement_and_metrics_port()
    {
        var objects = await RenderAsync("values-gpu-cluster.yaml");

        var monitor = objects.OfKind("ServiceMonitor").Single();
        Assert.Equal("kube-prometheus-stack-prometheus", (string?)monitor["metadata"]!["labels"]!["prometheus"]);
        Assert.Equal("30s", (string?)monitor["spec"]!["endpoints"]![0]!["interval"]);
        var rule = objects.OfKind("PrometheusRule").Single();
        Assert.Equal(("monitoring", "alert-rules"), ((string?)rule["metadata"]!["namespace"], (string?)rule["metadata"]!["labels"]!["role"]));
        Assert.Equal(8443, (long)objects.OfKind("Service", "llmkube-operator-metrics").Single()["spec"]!["ports"]![0]!["port"]!);
        Assert.Equal("DoesNotExist", (string?)Rendered.PodSpec(objects)["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!["operator"]);
        Assert.Equal(("1", "4Gi"), (Rendered.Container(objects)["resources"]!["limits"]!["cpu"]!.ToString(), (string?)Rendered.Container(objects)["resources"]!["limits"]!["memory"]));
    }

    [HelmFact]
    public async Task Openshift_values_turn_the_default_fs_group_off()
    {
        Assert.Contains("--default-fsgroup=0", Rendered.Args(await RenderAsync("values-openshift.yaml")));
    }

    [HelmFact]
    public async Task Following_the_messages_makes_the_refused_files_render_with_their_other_keys_translated()
    {
        var defaults = await RenderAsync("values.yaml", "metrics.secure=false");
        Assert.Equal(8443, (long)defaults.OfKind("Service", "llmkube-operator-metrics").Single()["spec"]!["ports"]![0]!["port"]!);
        Assert.Equal(5, defaults.OfKind("PriorityClass").Count()); // upstream's default priorityClasses.enabled: true
        Assert.Contains("--default-fsgroup=102", Rendered.Args(defaults));
        Assert.Equal(true, (bool?)Rendered.PodSpec(defaults)["securityContext"]!["runAsNonRoot"]);
        Assert.Equal(65532, (long?)Rendered.PodSpec(defaults)["securityContext"]!["runAsUser"]); // merged, not replaced

        var production = await RenderAsync("values-production.yaml", "networkPolicies.enabled=false");
        Assert.Contains("--leader-elect", Rendered.Args(production));
        Assert.Single(production.OfKind("ServiceMonitor"));
        Assert.Equal("monitoring", (string?)production.OfKind("PrometheusRule").Single()["metadata"]!["namespace"]);
        Assert.Equal("100m", (string?)Rendered.Container(production)["resources"]!["requests"]!["cpu"]);
        Assert.Equal("IfNotPresent", (string?)Rendered.Container(production)["imagePullPolicy"]);
        AssertTheOperatorAcceptsTheFlags(production);
    }

    [HelmTheory]
    [InlineData("rbac.create=false", "rbac.create", "always creates its least-privilege RBAC")]
    [InlineData("controllerManager.image.digest=sha256:abc", "controllerManager.image.digest", "pin images.operator.tag")]
    [InlineData("controllerManager.image.repository=registry.local/my-controller", "controllerManager.image.repository", "set images.operator.{registry,repository,tag}")]
    [InlineData("controllerManager.initContainer.repository=busybox", "controllerManager.initContainer.repository", "set images.fetcher.{registry,repository,tag}")]
    [InlineData("controllerManager.driRenderGID=44", "controllerManager.driRenderGID", "Vulkan GPUs are not supported")]
    [InlineData("namespace=other", "namespace: other", "install with `helm install -n other`")]
    [InlineData("metrics.emitScrapeAnnotations=true", "metrics.emitScrapeAnnotations", "use monitoring.podMonitor.enabled=true")]
    [InlineData("prometheus.routerPodMonitor.enabled=true", "prometheus.routerPodMonitor", "there is no router-proxy")]
    [InlineData("grafana.dashboards.operator.enabled=true", "grafana.dashboards.operator", "use the sidecar ConfigMap (monitoring.dashboards.enabled=true")]
    [InlineData("gateway.auditLog.enabled=true", "gateway.auditLog", "there is no gateway integration")]
    [InlineData("pyrra.enabled=true", "pyrra.enabled", "use the alerts of monitoring.prometheusRule")]
    [InlineData("multitenancy.enabled=true", "multitenancy.enabled", "GPU quotas and tenant roles are not implemented")]
    [InlineData("gpuSharing.vramPerDeviceGiB=80", "gpuSharing", "GPU sharing is not implemented")]
    [InlineData("modelCache.mountPath=/data", "modelCache.mountPath", "always mounted at /models")]
    [InlineData("modelCache.annotations.backup=daily", "modelCache.annotations", "annotate that claim yourself")]
    [InlineData("modelSource.allowedRemoteHosts={models.corp.internal}", "modelSource.allowedRemoteHosts", "extraArgs: [--allow-private-source-probes]")]
    public async Task Each_refused_upstream_value_names_its_replacement(string set, string key, string replacement)
    {
        var (code, _, stderr) = await HelmChart.RunAsync(HelmChart.TemplateArgs([set]));

        Assert.NotEqual(0, code);
        Assert.Contains("\n- " + key, stderr, StringComparison.Ordinal);
        Assert.Contains(replacement, stderr, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task Translated_upstream_keys_reach_the_operator()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync(
            "controllerManager.replicaCount=2,controllerManager.leaderElection.enabled=true",
            "controllerManager.image.registry=mirror.local,controllerManager.image.pullPolicy=Always",
            "controllerManager.initContainer.defaultFSGroup=2000,controllerManager.caCertConfigMap=corp-ca",
            "controllerManager.nodeSelector.pool=system,controllerManager.env[0].name=HTTPS_PROXY,controllerManager.env[0].value=http://proxy:3128",
            "runtimeImages.llamacpp=mirror.local/llama.cpp:b5000,metrics.service.type=NodePort,metrics.service.nodePort=30443"));
        var commandLine = new OperatorCommandLine();
        var (options, errors) = commandLine.Bind(commandLine.Command.Parse(Rendered.Args(objects)));

        Assert.Empty(errors);
        Assert.Equal(2, (long)objects.OfKind("Deployment", "llmkube-operator").Single()["spec"]!["replicas"]!);
        Assert.Equal(("mirror.local/llmkube/llmkube-operator:" + LlmKube.Api.ProductVersion.Current, "Always"), ((string?)Rendered.Container(objects)["image"], (string?)Rendered.Container(objects)["imagePullPolicy"]));
        Assert.Equal((2000L, "corp-ca", "mirror.local/llama.cpp:b5000"), (options!.DefaultFsGroup, options.CaCertConfigMap, options.ServerImage));
        Assert.Equal("system", (string?)Rendered.PodSpec(objects)["nodeSelector"]!["pool"]);
        var env = Rendered.Container(objects)["env"]!.AsArray();
        Assert.Equal(["POD_NAMESPACE", "HTTPS_PROXY"], env.Select(e => (string)e!["name"]!));
        Assert.Equal(30443, (long)objects.OfKind("Service", "llmkube-operator-metrics").Single()["spec"]!["ports"]![0]!["nodePort"]!);
    }

    [HelmFact]
    public async Task The_install_notes_list_the_upstream_keys_that_change_nothing()
    {
        var notes = await NotesAsync(Path.Combine(Fixtures, "values-gpu-cluster.yaml"));

        Assert.Contains("controllerManager.image (ghcr.io/defilantech/llmkube-controller:0.2.1) is upstream's controller; the operator image is ghcr.io/llmkube/llmkube-operator:" + LlmKube.Api.ProductVersion.Current, notes, StringComparison.Ordinal);
        Assert.Contains("prometheus.prometheusRule.rules (GPU/DCGM and inference-pod alerts) are replaced", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("have no effect here", await NotesAsync(null), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> TemplateAsync(string file, params string[] sets) =>
        await HelmChart.RunAsync([.. HelmChart.TemplateArgs(sets), "-f", Path.Combine(Fixtures, file)]);

    private static async Task<List<JsonObject>> RenderAsync(string file, params string[] sets)
    {
        var (code, stdout, stderr) = await TemplateAsync(file, sets);
        Assert.True(code == 0, $"{file}: {stderr}");
        return YamlDocuments.Parse(stdout);
    }

    private static void AssertTheOperatorAcceptsTheFlags(List<JsonObject> objects)
    {
        var commandLine = new OperatorCommandLine();
        var (_, errors) = commandLine.Bind(commandLine.Command.Parse(Rendered.Args(objects)));
        Assert.Empty(errors);
    }

    /// <summary>
    /// NOTES.txt as `helm install` would print it: `helm template` leaves NOTES out, so a copy of the chart renders it
    /// inside a ConfigMap.
    /// </summary>
    private static async Task<string> NotesAsync(string? valuesFile)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"llmkube-notes-{Guid.NewGuid():N}", "llmkube");
        try
        {
            foreach (var file in Directory.GetFiles(HelmChart.ChartDirectory, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(copy, Path.GetRelativePath(HelmChart.ChartDirectory, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var notes = Path.Combine(copy, "templates", "NOTES.txt");
            await File.WriteAllTextAsync(Path.Combine(copy, "templates", "_notes.tpl"), "{{- define \"test.notes\" -}}\n" + await File.ReadAllTextAsync(notes) + "\n{{- end }}\n");
            File.Delete(notes);
            await File.WriteAllTextAsync(Path.Combine(copy, "templates", "notes.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  notes: {{ include \"test.notes\" . | quote }}\n");
            string[] args = ["template", HelmChart.ReleaseName, copy, "--namespace", HelmChart.ReleaseNamespace, "--show-only", "templates/notes.yaml", .. valuesFile is null ? Array.Empty<string>() : ["-f", valuesFile]];
            var (code, stdout, stderr) = await HelmChart.RunAsync(args);
            Assert.True(code == 0, stderr);
            return (string)YamlDocuments.Parse(stdout).Single()["data"]!["notes"]!;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }
}
