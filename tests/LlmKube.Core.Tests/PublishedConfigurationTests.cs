using LlmKube.Contracts;
using LlmKube.Core.Configuration;

namespace LlmKube.Core.Tests;

public class PublishedConfigurationTests
{
    [Fact]
    public void What_the_operator_writes_the_cli_reads_back()
    {
        var written = new PublishedConfiguration(
            new WorkloadSettings { ModelCacheEnabled = false, ModelCacheMode = CacheModes.PerService, ModelCacheSize = "20Gi", ModelCacheStorageClass = "fast", ModelCacheAccessMode = "ReadWriteMany", DefaultFsGroup = 0, FetcherImage = "registry.local/fetch:2" },
            "0.2.0",
            "team-a");

        var data = written.ToData();
        var read = PublishedConfiguration.FromData(data, out var problem);

        Assert.Null(problem);
        Assert.Equal(written, read);
        Assert.Equal(
            [OperatorConfigMap.Keys.DefaultFsGroup, OperatorConfigMap.Keys.FetcherImage, OperatorConfigMap.Keys.ModelCacheAccessMode, OperatorConfigMap.Keys.ModelCacheEnabled, OperatorConfigMap.Keys.ModelCacheMode,
             OperatorConfigMap.Keys.ModelCacheSize, OperatorConfigMap.Keys.ModelCacheStorageClass, OperatorConfigMap.Keys.Version, OperatorConfigMap.Keys.WatchNamespace],
            data.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("modelCacheMode", "sharedd", "modelCacheMode is \"sharedd\"")]
    [InlineData("modelCacheEnabled", "yes", "modelCacheEnabled is \"yes\"")]
    [InlineData("defaultFSGroup", "", "defaultFSGroup is \"\"")]
    public void A_configuration_the_cli_cannot_trust_is_no_configuration_with_the_reason(string key, string value, string reason)
    {
        var data = new PublishedConfiguration(new WorkloadSettings(), "1", null).ToData();
        data[key] = value;

        Assert.Null(PublishedConfiguration.FromData(data, out var problem));
        Assert.StartsWith(reason, problem, StringComparison.Ordinal);
        Assert.Null(PublishedConfiguration.FromData(null, out _));
    }
}
