using System.CommandLine;
using k8s;
using LlmKube.ControllerRuntime;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Hosting;
using Microsoft.Extensions.Logging;

// Before anything uses the client's JSON options (they lock on first use).
CachingJson.Install();

var commandLine = new OperatorCommandLine();
var parse = commandLine.Command.Parse(args);
if (parse.Action is not null && parse.Errors.Count == 0 && args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
{
    return await parse.InvokeAsync().ConfigureAwait(false);
}

var (options, errors) = commandLine.Bind(parse);
if (options is null)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"llmkube-operator: {error}");
    }

    Console.Error.WriteLine("llmkube-operator: refusing to start; see --help");
    return 2;
}

// JSON lines for log pipelines (the image has no terminal), readable text when a person watches.
using var loggers = LoggerFactory.Create(builder => builder.AddOperatorConsole(
    options.LogFormat ?? (Console.IsOutputRedirected ? LogFormat.Json : LogFormat.Text), options.LogLevel));
var logger = loggers.CreateLogger("llmkube-operator");

KubernetesClientConfiguration config;
try
{
    config = options.Kubeconfig is { } path ? KubeconfigFile.Load(path)
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile();
}
catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
{
    Console.Error.WriteLine($"llmkube-operator: cannot load a Kubernetes configuration: {e.Message}; pass --kubeconfig or run in a cluster");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });

await using var host = new OperatorHost(config, options, loggers);
logger.LogInformation("starting llmkube-operator {Version}: cache mode {Mode}, caching {Enabled}, watching {Watched}, leader election {LeaderElect}",
    LlmKube.Api.ProductVersion.Current, options.ModelCacheMode, options.ModelCacheEnabled, options.Namespace ?? "all namespaces", options.LeaderElect);
if (options.LeaderElect)
{
    var lease = OperatorNamespace.ForLease(options.LeaderElectionNamespace);
    logger.LogInformation("leader election on Lease {LeaseNamespace}/{Lease} (namespace from {NamespaceSource})", lease.Name, OperatorHost.LeaseName, lease.Source);
}
try
{
    await host.RunAsync(stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}

logger.LogInformation("stopped");
return 0;
