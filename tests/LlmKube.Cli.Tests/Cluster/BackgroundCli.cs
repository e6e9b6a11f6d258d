using k8s;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests.Cluster;

/// <summary>A long-running CLI command (sandbox serve, sandbox up) run in-process until disposed.</summary>
public sealed class BackgroundCli : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    private readonly Task<int> _run;

    private BackgroundCli(string kubeconfig, string[] args)
    {
        Kubeconfig = kubeconfig;
        _run = Task.Run(() => CliApp.RunAsync([.. args, "--kubeconfig", kubeconfig], TextWriter.Synchronized(_stdout), TextWriter.Synchronized(_stderr), _stop.Token));
    }

    public string Kubeconfig { get; }

    public IKubernetes Client { get; private set; } = null!;

    /// <summary>Starts the command and waits until its kubeconfig exists and the API server answers.</summary>
    public static async Task<BackgroundCli> StartAsync(params string[] args)
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"llmkube-bg-{Guid.NewGuid():N}.kubeconfig");
        var cli = new BackgroundCli(kubeconfig, args);
        await Eventually.ThatAsync(() => Task.FromResult(File.Exists(kubeconfig) || cli._run.IsCompleted), ready => ready, "the kubeconfig", TimeSpan.FromSeconds(60));
        Assert.False(cli._run.IsCompleted, $"{string.Join(' ', args)} exited: {cli._stdout}{cli._stderr}");
        cli.Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await Eventually.ThatAsync(async () =>
        {
            try
            {
                await cli.Client.CoreV1.ListNamespaceAsync();
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, up => up, "the API server");
        return cli;
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> CliAsync(params string[] args) => CliRunner.RunAsync([.. args, "--kubeconfig", Kubeconfig]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        Client?.Dispose();
        _stop.Dispose();
        File.Delete(Kubeconfig);
    }
}
