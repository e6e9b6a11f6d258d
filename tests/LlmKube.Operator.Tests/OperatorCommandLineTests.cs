using LlmKube.Core;
using LlmKube.Operator.Configuration;

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
            "--revalidate-interval", "1h30m", "--allowed-host-path-roots", "/mnt/a,/mnt/b", "--ca-cert-configmap", "ca");

        Assert.Empty(errors);
        Assert.Equal(("/k", "team-a", CacheModes.PerService, false), (options!.Kubeconfig, options.Namespace, options.ModelCacheMode, options.ModelCacheEnabled));
        Assert.Equal(("50Gi", "fast", "ReadWriteMany", "f:1"), (options.ModelCacheSize, options.ModelCacheStorageClass, options.ModelCacheAccessMode, options.FetcherImage));
        Assert.Equal((0L, true, 9090, 9091), (options.DefaultFsGroup, options.LeaderElect, options.MetricsPort, options.HealthPort));
        Assert.Equal(TimeSpan.FromMinutes(90), options.RevalidateInterval);
        Assert.Equal(["/mnt/a", "/mnt/b"], options.AllowedHostPathRoots);
        Assert.Equal("ca", options.CaCertConfigMap);
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
}
