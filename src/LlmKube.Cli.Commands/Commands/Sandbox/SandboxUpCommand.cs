using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Schema;
using LlmKube.Api.Services;
using LlmKube.Cli.Manifests;
using LlmKube.Cli.SandboxUp;
using LlmKube.Contracts;
using LlmKube.Core;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Hosting;
using LlmKube.Sandbox;
using Microsoft.Extensions.Logging;

namespace LlmKube.Cli.Commands.Sandbox;

/// <summary>
/// <c>llmkube sandbox up</c>: the no-cluster demo. The API emulator and the operator in one process; applies
/// manifests, waits until they settle, prints each service's phase, conditions and cache wiring, then keeps
/// serving with a kubeconfig for kubectl until Ctrl-C.
/// </summary>
public static class SandboxUpCommand
{
    public const string OperatorUser = "system:serviceaccount:llmkube-system:llmkube";

    public static Command Create()
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "Manifest files or directories to apply (repeatable).", DefaultValueFactory = _ => ["examples"] };
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Where to write a kubeconfig for kubectl.", DefaultValueFactory = _ => "sandbox.kubeconfig" };
        var port = new Option<int>("--port", "-p") { Description = "TCP port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var mode = new Option<string>("--model-cache-mode") { Description = "Operator cache mode: shared or perService.", DefaultValueFactory = _ => CacheModes.Shared };
        mode.AcceptOnlyFromAmong(CacheModes.Shared, CacheModes.PerService);
        var timeout = new Option<int>("--settle-timeout") { Description = "Seconds to wait for the services to settle.", DefaultValueFactory = _ => 60 };
        var once = new Option<bool>("--once") { Description = "Exit after printing instead of serving until Ctrl-C (scripts and tests)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show the operator's log." };

        var command = new Command("up", "Run the API emulator and the operator together, apply manifests, and report where every model lives.")
        {
            files, kubeconfig, port, mode, timeout, once, verbose,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            List<ManifestDocument> documents;
            try
            {
                documents = ManifestReader.Read(parse.GetValue(files)!);
            }
            catch (ManifestReadException e)
            {
                await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning));
            await using var server = await SandboxServer.StartAsync(new SandboxOptions
            {
                Port = parse.GetValue(port),
                Simulation = new SimulationOptions { PvcBinding = true, Deployments = true, Jobs = true },
            }, ct).ConfigureAwait(false);
            var kubeconfigPath = server.WriteKubeconfig(parse.GetValue(kubeconfig)!);
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
            foreach (var crd in CrdDefinitions.All())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: ct).ConfigureAwait(false);
            }

            // The operator's own namespace, as an install has it: it publishes its configuration there for the CLI.
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = OperatorConfigMap.DefaultNamespace } }, cancellationToken: ct).ConfigureAwait(false);
            var operatorConfig = KubernetesClientConfiguration.BuildConfigFromConfigFile(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(server.KubeconfigYaml(OperatorUser))));
            await using var host = new OperatorHost(operatorConfig, new OperatorOptions { ModelCacheMode = parse.GetValue(mode)!, HealthPort = 0, MetricsPort = 0 }, loggers);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var running = host.RunAsync(stop.Token);
            await output.WriteLineAsync($"sandbox API server on {server.BaseAddress} with the operator running in-process ({parse.GetValue(mode)} cache mode)").ConfigureAwait(false);

            foreach (var problem in await new ManifestApplier(client, "default").ApplyAsync(documents, ct).ConfigureAwait(false))
            {
                await error.WriteLineAsync($"warning: {problem}").ConfigureAwait(false);
            }

            var services = await WaitForSettleAsync(client, TimeSpan.FromSeconds(parse.GetValue(timeout)), output, ct).ConfigureAwait(false);
            foreach (var service in services)
            {
                var events = await client.CoreV1.ListNamespacedEventAsync(service.Metadata.NamespaceProperty, fieldSelector: $"involvedObject.name={service.Metadata.Name}", cancellationToken: ct).ConfigureAwait(false);
                await output.WriteAsync(ServiceReport.Format(service, events.Items.Where(e => e.Type == "Warning"))).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"kubeconfig: {Path.GetFullPath(kubeconfigPath)}  (try: kubectl --kubeconfig {kubeconfigPath} get isvc,mdl,pvc,deploy)").ConfigureAwait(false);
            if (!parse.GetValue(once))
            {
                await output.WriteLineAsync("serving until Ctrl-C; the sandbox runs no pods: Deployments are marked ready and claims bound by simulation, and Jobs' pods stay Unschedulable").ConfigureAwait(false);
                await WaitForStopAsync(ct).ConfigureAwait(false);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await IgnoreCancellation(running).ConfigureAwait(false);
            return services.Any(s => s.Status?.Phase == ServicePhases.Failed) ? 1 : 0;
        });
        return command;
    }

    private static async Task<IReadOnlyList<InferenceService>> WaitForSettleAsync(IKubernetes client, TimeSpan timeout, TextWriter output, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var list = await client.CustomObjects.ListClusterCustomObjectAsync<InferenceServiceList>(ApiGroup.Group, ApiGroup.Version, InferenceService.Plural, cancellationToken: ct).ConfigureAwait(false);
            var services = list.Items.OrderBy(s => s.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
            if (services.All(ServiceReport.IsSettled))
            {
                return services;
            }

            if (DateTime.UtcNow > deadline)
            {
                await output.WriteLineAsync($"not settled after {timeout.TotalSeconds:0} s; showing the current state").ConfigureAwait(false);
                return services;
            }

            await Task.Delay(250, ct).ConfigureAwait(false);
        }
    }

    private static async Task WaitForStopAsync(CancellationToken ct)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
        using var registration = ct.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
