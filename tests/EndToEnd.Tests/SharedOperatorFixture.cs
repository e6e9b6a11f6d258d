using EndToEnd.Tests.Support;
using LlmKube.Sandbox;

namespace EndToEnd.Tests;

/// <summary>One sandbox and one operator (default flags: shared cache mode) for scenarios that each use their own namespace.</summary>
public sealed class SharedOperatorFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; private set; } = null!;

    internal OperatorProcess Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(new SandboxOptions { Simulation = new SimulationOptions { Deployments = true } });
        Operator = await Cluster.StartOperatorAsync("--resync-period", "5s", "--revalidate-interval", "2s");
    }

    public async Task DisposeAsync()
    {
        await Operator.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedOperatorCollection : ICollectionFixture<SharedOperatorFixture>
{
    public const string Name = "shared operator";
}
