using Microsoft.Extensions.Hosting;

namespace LlmKube.ControllerRuntime;

/// <summary>Runs a <see cref="Manager"/> as a hosted service of the .NET Generic Host.</summary>
public sealed class ManagerHostedService(Manager manager) : BackgroundService
{
    private readonly Manager _manager = manager ?? throw new ArgumentNullException(nameof(manager));

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _manager.RunAsync(stoppingToken);
}
