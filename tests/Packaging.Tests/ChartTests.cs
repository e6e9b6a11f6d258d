using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Packaging.Tests;

/// <summary>charts/llmkube: lint, template for every cache mode, values → flags, schema, security, CRDs.</summary>
public sealed class ChartTests
{
    /// <summary>Value sets CI lints and renders: the defaults and each cache mode (plus the other switches).</summary>
    public static TheoryData<string> ValueSets => new()
    {
        "",
        "modelCache.mode=perService",
        "modelCache.enabled=false",
        "modelCache.mode=shared,modelCache.storageClass=fast-nvme,modelCache.accessMode=ReadWriteMany,modelCache.size=500Gi",
        "watchNamespace=team-a,leaderElection.enabled=false,metrics.enabled=false",
        "policy.admissionPolicy.enabled=true,policy.podSecurityLevel=privileged",
        "monitoring.serviceMonitor.enabled=true,monitoring.podMonitor.enabled=true,monitoring.prometheusRule.enabled=true,monitoring.dashboards.enabled=true,priorityClasses.enabled=true",
    };

    [HelmFact]
    public async Task Helm_is_version_3()
    {
        var (code, stdout, stderr) = await HelmChart.RunAsync("version", "--short");
        Assert.True(code == 0, stderr);
        Assert.StartsWith("v3.", stdout.Trim(), StringComparison.Ordinal);
    }

    [HelmTheory]
    [MemberData(nameof(ValueSets))]
    public async Task Lint_strict_passes(string sets)
    {
        var args = new List<string> { "lint", "--strict", HelmChart.ChartDirectory, "--namespace", HelmChart.ReleaseNamespace };
        if (sets.Length > 0)
        {
            args.AddRange(["--set", sets]);
        }

        var (code, stdout, stderr) = await HelmChart.RunAsync([.. args]);
        Assert.True(code == 0, $"helm lint --strict {sets}: {stdout}{stderr}");
        Assert.Contains("0 chart(s) failed", stdout, StringComparison.Ordinal);
    }

    [HelmTheory]
    [MemberData(nameof(ValueSets))]
    public async Task Rendered_flags_are_accepted_by_the_operator_and_carry_the_values(string sets)
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync(sets.Length == 0 ? [] : [sets]));
        var args = Rendered.Args(objects);
        var commandLine = new OperatorCommandLine();
        var (options, errors) = commandLine.Bind(commandLine.Command.Parse(args));
        Assert.True(errors.Count == 0, string.Join("; ", errors));

        var values = sets.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        string Value(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
        var enabled = Value("modelCache.enabled", "true") == "true";
        Assert.Equal(enabled, options!.ModelCacheEnabled);
        Assert.Equal(enabled ? "--model-cache-enabled=true" : "--model-cache-enabled=false", args[0]);
        if (enabled)
        {
            Assert.Equal(Value("modelCache.mode", "shared"), options.ModelCacheMode);
            Assert.Equal(Value("modelCache.size", "100Gi"), options.ModelCacheSize);
            Assert.Equal(Value("modelCache.accessMode", "ReadWriteOnce"), options.ModelCacheAccessMode);
            Assert.Equal(values.GetValueOrDefault("modelCache.storageClass"), options.ModelCacheStorageClass);
        }
        else
        {
            Assert.DoesNotContain(args, a => a.StartsWith("--model-cache-mode", StringComparison.Ordinal));
        }

        Assert.Equal(values.GetValueOrDefault("watchNamespace"), options.Namespace);
        var leader = Value("leaderElection.enabled", "true") == "true";
        Assert.Equal(leader, options.LeaderElect);
        Assert.Equal(leader ? HelmChart.ReleaseNamespace : null, options.LeaderElectionNamespace);
        Assert.Equal((LogFormat.Json, LogLevel.Information), (options.LogFormat, options.LogLevel));
        Assert.Equal(Value("metrics.enabled", "true") == "true" ? 8080 : 0, options.MetricsPort);
        Assert.Equal(8081, options.HealthPort);
    }

    [HelmFact]
    public async Task Defaults_agree_with_the_operators_own_defaults()
    {
        var args = Rendered.Args(YamlDocuments.Parse(await HelmChart.TemplateAsync()));
        var commandLine = new OperatorCommandLine();
        var (options, _) = commandLine.Bind(commandLine.Command.Parse(args));
        var defaults = new OperatorOptions();

        Assert.Equal(
            (defaults.FetcherImage, defaults.ServerImage, defaults.ServerCudaImage, defaults.DefaultFsGroup, defaults.ModelCacheSize, defaults.ModelCacheMode, defaults.ModelCacheAccessMode),
            (options!.FetcherImage, options.ServerImage, options.ServerCudaImage, options.DefaultFsGroup, options.ModelCacheSize, options.ModelCacheMode, options.ModelCacheAccessMode));
        Assert.Equal((defaults.RevalidateInterval, defaults.Workers, defaults.ModelCacheEnabled), (options.RevalidateInterval, options.Workers, options.ModelCacheEnabled));
        Assert.Equal("ghcr.io/llmkube/llmkube-fetch:" + LlmKube.Api.ProductVersion.Current, OperatorOptions.DefaultFetcherImage);
    }

    [HelmFact]
    public async Task Values_reach_every_flag()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync(
            "images.fetcher.registry=registry.local:5000,images.fetcher.tag=9.9.9",
            "images.server.registry=,images.server.repository=mirror/llama,images.server.tag=b1234",
            "images.operator.tag=dev",
            "defaultFSGroup=0",
            "modelSource.allowedHostPathRoots={/mnt/models,/data}",
            "modelSource.caCertConfigMap=corp-ca",
            "revalidateInterval=30m,workers=8,healthPort=9091,metrics.port=9090",
            "extraArgs={--resync-period=5m}"));
        var commandLine = new OperatorCommandLine();
        var args = Rendered.Args(objects);
        var (options, errors) = commandLine.Bind(commandLine.Command.Parse(args));

        Assert.Empty(errors);
        Assert.Equal("registry.local:5000/llmkube/llmkube-fetch:9.9.9", options!.FetcherImage);
        Assert.Equal("mirror/llama:b1234", options.ServerImage);
        Assert.Equal("ghcr.io/llmkube/llmkube-operator:dev", (string?)Rendered.Container(objects)["image"]);
        Assert.Equal(0, options.DefaultFsGroup);
        Assert.Equal(["/mnt/models", "/data"], options.AllowedHostPathRoots);
        Assert.Equal("corp-ca", options.CaCertConfigMap);
        Assert.Equal((TimeSpan.FromMinutes(30), 8, 9091, 9090, TimeSpan.FromMinutes(5)), (options.RevalidateInterval, options.Workers, options.HealthPort, options.MetricsPort, options.ResyncPeriod));
        var ports = Rendered.Container(objects)["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (long)p!["containerPort"]!);
        Assert.Equal(new Dictionary<string, long> { ["health"] = 9091, ["metrics"] = 9090 }, ports);
    }

    [HelmFact]
    public async Task The_operator_runs_non_root_read_only_without_capabilities_with_probes_and_resources()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());
        var pod = Rendered.PodSpec(objects);
        var container = Rendered.Container(objects);

        Assert.Equal("llmkube-operator", (string?)pod["serviceAccountName"]);
        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
        var security = container["securityContext"]!;
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.True((bool)security["runAsNonRoot"]!);
        Assert.Equal(["ALL"], Rendered.Strings(security["capabilities"]!["drop"]));
        Assert.Null(security["capabilities"]!["add"]);
        Assert.Null(security["privileged"]);

        var healthPort = container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "health")!;
        Assert.Contains($"--health-port={(long)healthPort["containerPort"]!}", Rendered.Args(objects));
        Assert.Equal(("/healthz", "health"), ((string?)container["livenessProbe"]!["httpGet"]!["path"], (string?)container["livenessProbe"]!["httpGet"]!["port"]));
        Assert.Equal(("/readyz", "health"), ((string?)container["readinessProbe"]!["httpGet"]!["path"], (string?)container["readinessProbe"]!["httpGet"]!["port"]));
        Assert.NotNull(container["resources"]!["requests"]!["memory"]);
        Assert.NotNull(container["resources"]!["limits"]!["memory"]);
        Assert.Equal("/tmp", (string?)container["volumeMounts"]![0]!["mountPath"]);
    }

    [HelmFact]
    public async Task A_metrics_service_selects_the_operator_pods_on_the_metrics_port()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());
        var service = objects.OfKind("Service", "llmkube-operator-metrics").Single();
        var podLabels = objects.OfKind("Deployment", "llmkube-operator").Single()["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();

        Assert.All(service["spec"]!["selector"]!.AsObject(), l => Assert.Equal((string?)l.Value, (string?)podLabels[l.Key]));
        Assert.Equal("metrics", (string?)service["spec"]!["ports"]![0]!["targetPort"]);
        Assert.Empty(YamlDocuments.Parse(await HelmChart.TemplateAsync("metrics.enabled=false")).OfKind("Service"));
        Assert.Contains("--metrics-port=0", Rendered.Args(YamlDocuments.Parse(await HelmChart.TemplateAsync("metrics.enabled=false"))));
    }

    [HelmFact]
    public async Task The_default_release_renders_exactly_these_objects()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());

        Assert.Equal(
            [
                "ClusterRole/llmkube-operator", "ClusterRoleBinding/llmkube-operator",
                "CustomResourceDefinition/inferenceservices.inference.llmkube.dev", "CustomResourceDefinition/models.inference.llmkube.dev",
                "Deployment/llmkube-system/llmkube-operator", "Role/llmkube-system/llmkube-leader-election",
                "Role/llmkube-system/llmkube-operator-config", "Role/llmkube-system/llmkube-operator-config-reader",
                "RoleBinding/llmkube-system/llmkube-leader-election", "RoleBinding/llmkube-system/llmkube-operator-config",
                "RoleBinding/llmkube-system/llmkube-operator-config-reader", "Service/llmkube-system/llmkube-operator-metrics",
                "ServiceAccount/llmkube-system/llmkube-operator",
            ],
            objects.Select(Id).Order(StringComparer.Ordinal));
        Assert.Empty(objects.OfKind("PersistentVolumeClaim")); // the operator itself needs no volume: the fetcher downloads in the pods
    }

    [Fact]
    public void Chart_crds_are_byte_copies_of_config_crd()
    {
        var update = Environment.GetEnvironmentVariable("LLMKUBE_UPDATE_PACKAGING") == "1";
        var source = Directory.GetFiles(RepoPaths.Combine("config", "crd"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var copies = Path.Combine(HelmChart.ChartDirectory, "files", "crds");
        if (update)
        {
            foreach (var stale in Directory.GetFiles(copies, "*.yaml"))
            {
                File.Delete(stale);
            }

            foreach (var file in source)
            {
                File.Copy(RepoPaths.Combine("config", "crd", file!), Path.Combine(copies, file!));
            }
        }

        Assert.Equal(source, Directory.GetFiles(copies, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var differing = source.Where(f => File.ReadAllText(RepoPaths.Combine("config", "crd", f!)) != File.ReadAllText(Path.Combine(copies, f!))).ToList();
        Assert.True(differing.Count == 0,
            $"charts/llmkube/files/crds/ differs from config/crd/ ({string.Join(", ", differing)}): refresh with `LLMKUBE_UPDATE_PACKAGING=1 dotnet test tests/Packaging.Tests --filter Chart_crds`");
    }

    [HelmFact]
    public async Task Crds_render_unchanged_and_are_kept_on_uninstall()
    {
        var rendered = YamlDocuments.Parse(await HelmChart.TemplateAsync()).OfKind("CustomResourceDefinition").ToList();
        var generated = Directory.GetFiles(RepoPaths.Combine("config", "crd"), "*.yaml").SelectMany(f => YamlDocuments.Parse(File.ReadAllText(f))).ToList();

        Assert.Equal(generated.Count, rendered.Count);
        foreach (var crd in rendered)
        {
            var annotations = crd["metadata"]!["annotations"]!.AsObject();
            Assert.Equal("keep", (string?)annotations["helm.sh/resource-policy"]);
            Assert.Single(annotations);
            var copy = crd.DeepClone().AsObject();
            copy["metadata"]!.AsObject().Remove("annotations");
            var original = generated.Single(g => (string?)g["metadata"]!["name"] == (string?)crd["metadata"]!["name"]);
            Assert.True(JsonNode.DeepEquals(original, copy), $"{crd["metadata"]!["name"]} differs from config/crd");
        }

        var notKept = YamlDocuments.Parse(await HelmChart.TemplateAsync("crds.keep=false")).OfKind("CustomResourceDefinition").ToList();
        Assert.Equal(2, notKept.Count);
        Assert.All(notKept, c => Assert.Null(c["metadata"]!["annotations"]));
        Assert.Empty(YamlDocuments.Parse(await HelmChart.TemplateAsync("crds.install=false")).OfKind("CustomResourceDefinition"));
    }

    [HelmTheory]
    [InlineData("modelCache.mode=perservice", "modelCache.mode")]
    [InlineData("modelCache.mode=", "modelCache.mode")]
    [InlineData("modelCache.accessMode=RWX", "modelCache.accessMode")]
    [InlineData("modelCache.size=", "modelCache.size")]
    [InlineData("modelCache.size=0Gi", "modelCache.size")]
    [InlineData("modelCache.size=lots", "modelCache.size")]
    [InlineData("modelCache.enabled=maybe", "modelCache.enabled")]
    [InlineData("modelCache.storageClass=Fast_SSD", "modelCache.storageClass")]
    [InlineData("modelCache.claimName=x", "modelCache")]
    [InlineData("defaultFSGroup=-1", "defaultFSGroup")]
    [InlineData("watchNamespace=Team_A", "watchNamespace")]
    [InlineData("revalidateInterval=soon", "revalidateInterval")]
    [InlineData("images.operator.repository=", "images.operator.repository")]
    [InlineData("images.fetcher.tag=has space", "images.fetcher.tag")]
    [InlineData("metrics.port=70000", "metrics.port")]
    [InlineData("workers=0", "workers")]
    [InlineData("modelSource.allowedHostPathRoots={relative/dir}", "modelSource.allowedHostPathRoots")]
    [InlineData("modelSource.allowedHostPathRoots={/mnt/../etc}", "modelSource.allowedHostPathRoots")]
    [InlineData("extraArgs={oops}", "extraArgs")]
    [InlineData("leaderElection.enabled=false,replicaCount=2", "then")]
    [InlineData("unknownTopLevel=1", "unknownTopLevel")]
    [InlineData("logging.format=logfmt", "logging.format")]
    [InlineData("logging.level=verbose", "logging.level")]
    [InlineData("monitoring.prometheusRule.reconcileErrorRatio=2", "monitoring.prometheusRule.reconcileErrorRatio")]
    [InlineData("monitoring.prometheusRule.failedFor=soon", "monitoring.prometheusRule.failedFor")]
    [InlineData("monitoring.serviceMonitor.namespace=Monitoring", "monitoring.serviceMonitor.namespace")]
    public async Task The_schema_rejects_bad_values(string set, string mentioned)
    {
        var (code, _, stderr) = await HelmChart.RunAsync(HelmChart.TemplateArgs([set]));

        Assert.NotEqual(0, code);
        Assert.Contains("values don't meet the specifications of the schema", stderr, StringComparison.Ordinal);
        Assert.Contains(mentioned, stderr, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task The_operator_learns_its_namespace_from_the_downward_api_and_logs_json()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync("logging.format=text,logging.level=debug"));
        var env = Rendered.Container(objects)["env"]!.AsArray().Single(e => (string?)e!["name"] == OperatorNamespace.PodNamespaceVariable)!;
        var commandLine = new OperatorCommandLine();
        var (options, _) = commandLine.Bind(commandLine.Command.Parse(Rendered.Args(objects)));

        Assert.Equal("metadata.namespace", (string?)env["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal((LogFormat.Text, LogLevel.Debug), (options!.LogFormat, options.LogLevel));
    }

    [HelmFact]
    public async Task Priority_classes_are_the_ones_spec_priority_names_and_only_on_request()
    {
        Assert.Empty(YamlDocuments.Parse(await HelmChart.TemplateAsync()).OfKind("PriorityClass"));
        var classes = YamlDocuments.Parse(await HelmChart.TemplateAsync("priorityClasses.enabled=true")).OfKind("PriorityClass").ToList();
        var levels = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Combine("config", "crd", "inference.llmkube.dev_inferenceservices.yaml"))).Single()
            ["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["priority"]!["enum"]!.AsArray().Select(l => (string)l!).ToList();

        Assert.Equal(levels.Select(l => DeploymentBuilder.PriorityClass(new InferenceServiceSpec { ModelRef = "m", Priority = l })).Order(StringComparer.Ordinal),
            classes.Select(c => (string?)c["metadata"]!["name"]).Order(StringComparer.Ordinal));
        Assert.Equal("Never", (string?)classes.Single(c => (string?)c["metadata"]!["name"] == "llmkube-batch")["preemptionPolicy"]);
    }

    private static string Id(JsonObject o) =>
        (string?)o["metadata"]!["namespace"] is { } ns ? $"{o["kind"]}/{ns}/{o["metadata"]!["name"]}" : $"{o["kind"]}/{o["metadata"]!["name"]}";
}
