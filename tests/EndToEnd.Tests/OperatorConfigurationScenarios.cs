using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Contracts;
using LlmKube.Core;
using LlmKube.Core.Configuration;
using LlmKube.Operator.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EndToEnd.Tests;

/// <summary>The operator publishes its configuration for the CLI: created once, left alone while it says the same, replaced when the flags change.</summary>
public sealed class OperatorConfigurationScenarios
{
    private static PublishedConfiguration Configuration(string mode) => new(new WorkloadSettings { ModelCacheMode = mode, ModelCacheSize = "50Gi" }, "1.2.3", null);

    [Fact]
    public async Task The_configuration_is_created_then_left_alone_then_replaced_when_it_changes()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateNamespaceAsync("ops");
        ConfigurationPublisher Publisher(string mode) => new(cluster.Client, "ops", Configuration(mode), NullLogger.Instance, TimeProvider.System);

        var created = await Publisher(CacheModes.Shared).PublishAsync(CancellationToken.None);
        cluster.Server.Control.ResetRequestCounts();
        var again = await Publisher(CacheModes.Shared).PublishAsync(CancellationToken.None);
        var writesWhenUnchanged = cluster.Server.Control.GetRequestCounts().Entries.Where(e => e.IsWrite).Sum(e => e.Count);
        var updated = await Publisher(CacheModes.PerService).PublishAsync(CancellationToken.None);
        var map = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync(OperatorConfigMap.Name, "ops");

        Assert.Equal((PublishOutcome.Created, PublishOutcome.Unchanged, PublishOutcome.Updated), (created, again, updated));
        Assert.Equal(0, writesWhenUnchanged);
        Assert.Equal(OperatorConfigMap.Labels, map.Metadata.Labels.Where(l => OperatorConfigMap.Labels.ContainsKey(l.Key)).ToDictionary());
        Assert.Equal(("perService", "50Gi", "true", "102", "", "1.2.3"), (map.Data["modelCacheMode"], map.Data["modelCacheSize"], map.Data["modelCacheEnabled"], map.Data["defaultFSGroup"], map.Data["modelCacheStorageClass"], map.Data["version"]));
        Assert.Equal(Configuration(CacheModes.PerService).Settings, PublishedConfiguration.FromData(map.Data, out _)!.Settings);
    }

    [Fact]
    public async Task The_operator_binary_publishes_in_its_namespace_and_keeps_running_when_it_cannot()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using (var op = await cluster.StartOperatorAsync("--leader-election-namespace", "nowhere", "--model-cache-mode", "perService"))
        {
            await TestCluster.EventuallyAsync(() => Task.FromResult(op.Log), log => log.Contains("Cannot publish the operator configuration in ConfigMap nowhere/llmkube-operator-config", StringComparison.Ordinal), "the warning");
            Assert.False(op.HasExited);
        }

        await cluster.CreateNamespaceAsync("ops");
        await using (await cluster.StartOperatorAsync("--leader-election-namespace", "ops", "--model-cache-mode", "perService"))
        {
            var map = await TestCluster.EventuallyAsync(
                async () => await LlmKube.ControllerRuntime.NotFound.OrNullAsync(() => cluster.Client.CoreV1.ReadNamespacedConfigMapAsync(OperatorConfigMap.Name, "ops")),
                m => m is not null, "the published configuration");
            Assert.Equal(CacheModes.PerService, map!.Data[OperatorConfigMap.Keys.ModelCacheMode]);
        }
    }
}
