using LlmKube.ControllerRuntime;
using LlmKube.Core;
using LlmKube.Operator.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmKube.Operator.Tests;

public class OperatorCommandLineTests
{
    private static (OperatorOptions? Options, IReadOnlyList<string> Errors) Bind(params string[] args)
    {
        var commandLine = new OperatorCommandLine();
        return commandLine.Bind(commandLine.Command.Parse(args));
    }

    [Fact]
    public void Defaults_match_the_contract()
    {
        var (options, errors) = Bind();

        Assert.Empty(errors);
        Assert.Equal(CacheModes.Shared, options!.ModelCacheMode);
        Assert.True(options.ModelCacheEnabled);
        Assert.Equal("100Gi", options.ModelCacheSize);
        Assert.Equal("ReadWriteOnce", options.ModelCacheAccessMode);
        Assert.Equal(102, options.DefaultFsGroup);
        Assert.Equal(TimeSpan.FromHours(1), options.RevalidateInterval);
        Assert.False(options.LeaderElect);
        Assert.Null(options.Namespace);
        Assert.Equal(OperatorOptions.DefaultFetcherImage, options.FetcherImage);
    }

    [Fact]
    public void Every_flag_binds()
    {
        var (options, errors) = Bind(
            "--kubeconfig", "/k", "--namespace", "team-a", "--model-cache-mode", "perService", "--model-cache-enabled", "false",
            "--model-cache-size", "50Gi", "--model-cache-storage-class", "fast", "--model-cache-access-mode", "ReadWriteMany",
            "--fetcher-image", "f:1", "--default-fsgroup", "0", "--leader-elect", "--metrics-port", "9090", "--health-port", "9091",
            "--revalidate-interval", "1h30m", "--allowed-host-path-roots", "/mnt/a,/mnt/b", "--ca-cert-configmap", "ca",
            "--fetcher-allowed-networks", "10.0.0.0/8,fd00::/8", "--fetcher-allowed-networks", "192.168.1.10");

        Assert.Empty(errors);
        Assert.Equal(("/k", "team-a", CacheModes.PerService, false), (options!.Kubeconfig, options.Namespace, options.ModelCacheMode, options.ModelCacheEnabled));
        Assert.Equal(("50Gi", "fast", "ReadWriteMany", "f:1"), (options.ModelCacheSize, options.ModelCacheStorageClass, options.ModelCacheAccessMode, options.FetcherImage));
        Assert.Equal((0L, true, 9090, 9091), (options.DefaultFsGroup, options.LeaderElect, options.MetricsPort, options.HealthPort));
        Assert.Equal(TimeSpan.FromMinutes(90), options.RevalidateInterval);
        Assert.Equal(["/mnt/a", "/mnt/b"], options.AllowedHostPathRoots);
        Assert.Equal("ca", options.CaCertConfigMap);
        Assert.Equal(["10.0.0.0/8", "fd00::/8", "192.168.1.10"], options.FetcherAllowedNetworks);
    }

    [Theory]
    [InlineData("--model-cache-mode", "perservice", "--model-cache-mode \"perservice\" is not valid: use shared or perService")]
    [InlineData("--model-cache-mode", "", "--model-cache-mode \"\" is not valid")]
    [InlineData("--model-cache-enabled", "yes", "--model-cache-enabled \"yes\" is not valid: use true or false")]
    [InlineData("--model-cache-size", "lots", "--model-cache-size \"lots\" is not a valid storage size")]
    [InlineData("--model-cache-access-mode", "RWX", "--model-cache-access-mode \"RWX\" is not valid")]
    [InlineData("--revalidate-interval", "60", "--revalidate-interval \"60\" is not a positive duration")]
    [InlineData("--allowed-host-path-roots", "relative/dir", "--allowed-host-path-roots \"relative/dir\" must be an absolute path")]
    [InlineData("--health-port", "70000", "--health-port 70000 is not a port number")]
    [InlineData("--fetcher-allowed-networks", "mirror.internal", "--fetcher-allowed-networks \"mirror.internal\" is not a network")]
    [InlineData("--log-format", "logfmt", "--log-format \"logfmt\" is not valid: use json or text")]
    [InlineData("--log-level", "verbose", "--log-level \"verbose\" is not valid: use trace, debug, info, warn, error, critical")]
    [InlineData("--zap-encoder", "text", "--zap-encoder \"text\" is not valid: use json or console")]
    [InlineData("--zap-log-level", "-2", "--zap-log-level \"-2\" is not valid")]
    [InlineData("--zap-time-encoding", "unix", "--zap-time-encoding \"unix\" is not valid")]
    public void Bad_values_are_refused_naming_the_flag(string flag, string value, string message)
    {
        var (options, errors) = Bind(flag, value);

        Assert.Null(options);
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1h", 3600)]
    [InlineData("30m", 1800)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    public void Durations_parse_like_go(string text, double seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1d")]
    [InlineData("h")]
    [InlineData("-1h")]
    public void Bad_durations_do_not_parse(string text)
    {
        Assert.False(GoDuration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(new string[0], null, LogLevel.Information)]
    [InlineData(new[] { "--log-format", "text", "--log-level", "debug" }, LogFormat.Text, LogLevel.Debug)]
    [InlineData(new[] { "--log-level", "Warning" }, null, LogLevel.Warning)]
    [InlineData(new[] { "--zap-devel" }, LogFormat.Text, LogLevel.Debug)]
    [InlineData(new[] { "--zap-devel", "--zap-encoder=json", "--zap-log-level=info" }, LogFormat.Json, LogLevel.Information)]
    [InlineData(new[] { "--zap-encoder", "console", "--zap-log-level", "error" }, LogFormat.Text, LogLevel.Error)]
    [InlineData(new[] { "--zap-log-level", "3" }, null, LogLevel.Trace)]
    [InlineData(new[] { "--zap-log-level", "1", "--log-level", "warn", "--zap-encoder", "console", "--log-format", "json" }, LogFormat.Json, LogLevel.Warning)]
    [InlineData(new[] { "--zap-stacktrace-level=error", "--zap-time-encoding=rfc3339nano" }, null, LogLevel.Information)]
    public void Logging_flags_and_upstreams_zap_flags_bind_ours_first(string[] args, LogFormat? format, LogLevel level)
    {
        var (options, errors) = Bind(args);

        Assert.Empty(errors);
        Assert.Equal((format, level), (options!.LogFormat, options.LogLevel));
    }

    [Fact]
    public void Upstreams_revalidate_flag_is_an_alias()
    {
        Assert.Equal(TimeSpan.FromMinutes(20), Bind("--model-revalidate-interval", "20m").Options!.RevalidateInterval);
    }

    [Fact]
    public void The_operators_namespace_is_pod_namespace_then_service_account_then_flag_then_default()
    {
        Assert.Equal("from-env", OperatorNamespace.Resolve("from-env", "from-sa", "from-flag").Name);
        Assert.Equal("from-sa", OperatorNamespace.Resolve(" ", "from-sa\n", "from-flag").Name);
        Assert.Equal("from-flag", OperatorNamespace.Resolve(null, "", "from-flag").Name);
        var fallback = OperatorNamespace.Resolve(null, null, null);
        Assert.Equal(("llmkube-system", true), (fallback.Name, fallback.Source.Contains("default", StringComparison.Ordinal)));
        Assert.Contains("POD_NAMESPACE", OperatorNamespace.Resolve("a", null, null).Source, StringComparison.Ordinal);
    }

    [Fact]
    public void An_explicit_lease_namespace_wins_and_none_means_the_operators_own()
    {
        var (options, _) = Bind("--leader-election-namespace", "leases");
        Assert.Equal(("leases", "--leader-election-namespace"), (OperatorNamespace.ForLease(options!.LeaderElectionNamespace).Name, OperatorNamespace.ForLease(options.LeaderElectionNamespace).Source));
        var (defaults, _) = Bind();
        Assert.Null(defaults!.LeaderElectionNamespace);
        Assert.Equal(OperatorNamespace.Resolve(null), OperatorNamespace.ForLease(defaults.LeaderElectionNamespace));
    }
}
