using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using LlmKube.Sandbox;
using Microsoft.Extensions.Logging;

namespace LlmKube.Cli.Commands.Sandbox;

/// <summary><c>llmkube sandbox serve</c>: runs the API emulator alone on 127.0.0.1 until Ctrl-C or SIGTERM.</summary>
public static class SandboxServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Where to write a kubeconfig for the emulator.", DefaultValueFactory = _ => "sandbox.kubeconfig" };
        var kubeconfigUser = new Option<string?>("--kubeconfig-user") { Description = "Write the kubeconfig for this user instead of the admin (e.g. system:serviceaccount:llmkube-system:llmkube)." };
        var errorRate = new Option<double>("--fault-error-rate") { Description = "Share (0..1) of writes answered 500." };
        var conflictRate = new Option<double>("--fault-conflict-rate") { Description = "Share (0..1) of updates, patches and deletes answered 409 Conflict." };
        var latency = new Option<int>("--fault-latency-ms") { Description = "Latency added to every API request, in milliseconds." };
        var watchDrop = new Option<double>("--fault-watch-drop-seconds") { Description = "Close every open watch this often (seconds)." };
        var seed = new Option<int?>("--fault-seed") { Description = "Seed for the fault dice (reproducible runs)." };
        var spareAdmin = new Option<bool>("--fault-spare-admin") { Description = "Inject faults only into non-admin users' requests." };
        var rbacUser = new Option<string?>("--rbac-user") { Description = "User bound to every role from --rbac-role that has no binding there; RBAC is enforced." };
        var rbacRoles = new Option<string[]>("--rbac-role") { Description = "YAML file with ClusterRole/Role/bindings (e.g. helm template output); repeatable; RBAC is enforced.", AllowMultipleArgumentsPerToken = false };
        var rbacEnforce = new Option<bool>("--rbac-enforce") { Description = "Authorise non-admin users by the RBAC objects stored in the sandbox." };
        var simulatePvc = new Option<bool>("--simulate-pvc-binding") { Description = "Bind each new PVC shortly after creation, like a provisioner." };
        var simulateDeployments = new Option<bool>("--simulate-deployments") { Description = "Mark each Deployment ready shortly after each spec change." };
        var simulateJobs = new Option<bool>("--simulate-jobs") { Description = "Give each Job a pod, which stays Unschedulable unless a Node that can run it is registered (no containers run here)." };
        var history = new Option<int>("--watch-history") { Description = "Watch events kept per resource for resuming (older versions get 410).", DefaultValueFactory = _ => 10_000 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log the emulator's activity to stderr." };

        var command = new Command("serve", "Run the Kubernetes API emulator alone on 127.0.0.1 and write a kubeconfig for it.")
        {
            port, kubeconfig, kubeconfigUser, errorRate, conflictRate, latency, watchDrop, seed, spareAdmin,
            rbacUser, rbacRoles, rbacEnforce, simulatePvc, simulateDeployments, simulateJobs, history, verbose,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var roles = parse.GetValue(rbacRoles) ?? [];
            foreach (var file in roles.Where(f => !File.Exists(f)))
            {
                await error.WriteLineAsync($"error: --rbac-role file not found: {file}").ConfigureAwait(false);
                return 2;
            }

            using var loggers = parse.GetValue(verbose)
                ? LoggerFactory.Create(b => b
                    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                    .AddSimpleConsole(o => o.SingleLine = true)
                    .AddFilter("LlmKube", LogLevel.Debug))
                : null;
            var options = new SandboxOptions
            {
                Port = parse.GetValue(port),
                Faults = new FaultSettings
                {
                    ErrorRate = parse.GetValue(errorRate),
                    ConflictRate = parse.GetValue(conflictRate),
                    LatencyMs = parse.GetValue(latency),
                    WatchDropSeconds = parse.GetValue(watchDrop),
                    Seed = parse.GetValue(seed),
                    IncludeAdmin = !parse.GetValue(spareAdmin),
                },
                Rbac = new RbacOptions
                {
                    Enforce = parse.GetValue(rbacEnforce) || roles.Length > 0 || parse.GetValue(rbacUser) is not null,
                    RoleFiles = roles,
                    User = parse.GetValue(rbacUser),
                },
                Simulation = new SimulationOptions
                {
                    PvcBinding = parse.GetValue(simulatePvc),
                    Deployments = parse.GetValue(simulateDeployments),
                    Jobs = parse.GetValue(simulateJobs),
                },
                WatchHistorySize = parse.GetValue(history),
                LoggerFactory = loggers,
            };

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            var server = await SandboxServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
            await using (server.ConfigureAwait(false))
            {
                var path = server.WriteKubeconfig(parse.GetValue(kubeconfig)!, parse.GetValue(kubeconfigUser));
                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"llmkube sandbox listening on {server.BaseAddress} (an API emulator: no pods run); try: kubectl --kubeconfig {path} get namespaces")).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C or SIGTERM.
                }
            }

            return 0;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });
        return command;
    }
}
