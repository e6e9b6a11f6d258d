using System.Diagnostics;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;
using Spectre.Console;

namespace LlmKube.Cli.Commands.Deploy;

internal sealed record WaitOutcome(int ExitCode, Model? Model, InferenceService? Service, string? Error = null);

/// <summary>
/// Follows a Model and its service until the service is Ready, either of them Failed, or the timeout: a live status
/// line on a terminal, one plain line per change otherwise. Polls twice a second (two GETs; no watch to keep open).
/// </summary>
internal sealed class DeployWaiter(ClusterSession session, string ns, string name, TimeSpan timeout)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public async Task<WaitOutcome> RunAsync(CancellationToken ct)
    {
        var console = session.Console;
        WaitOutcome? outcome = null;
        if (!console.OutputIsTerminal || session.Format != OutputFormat.Table)
        {
            outcome = await PollAsync(line => console.Error.WriteLineAsync(line), ct).ConfigureAwait(false);
        }
        else
        {
            // The live line sits on stdout; everything else is written once it has gone.
            await console.Ansi().Status().Spinner(Spinner.Known.Dots).StartAsync($"waiting for {name}", async status =>
            {
                outcome = await PollAsync(line =>
                {
                    status.Status(Markup.Escape(line));
                    return Task.CompletedTask;
                }, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        if (outcome!.Error is { } error)
        {
            await console.ErrorLineAsync(error).ConfigureAwait(false);
        }
        else
        {
            await ReadyAsync(outcome.Model!, outcome.Service!).ConfigureAwait(false);
        }

        return outcome;
    }

    private async Task<WaitOutcome> PollAsync(Func<string, Task> report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        Model? model = null;
        InferenceService? service = null;
        while (true)
        {
            model = await session.Api.GetModelAsync(ns, name, ct).ConfigureAwait(false);
            service = await session.Api.GetInferenceServiceAsync(ns, name, ct).ConfigureAwait(false);
            if (model is null || service is null)
            {
                throw CliException.NotFound($"{(model is null ? "model" : "inferenceservice")} {ns}/{name} was deleted while waiting");
            }

            var state = State(model, service);
            if (state != last)
            {
                await report($"[{Durations.Format(clock.Elapsed),6}] {state}").ConfigureAwait(false);
                last = state;
            }

            if (model.Status?.Phase == ModelPhases.Failed)
            {
                return new WaitOutcome(ExitCodes.Failed, model, service, $"model {ns}/{name} failed: {Degraded(model.Status.Conditions)}");
            }

            var current = service.Status?.ObservedGeneration == service.Metadata.Generation;
            if (current && service.Status?.Phase == ServicePhases.Failed && !StaleModelNotFound(service))
            {
                return new WaitOutcome(ExitCodes.Failed, model, service, $"inferenceservice {ns}/{name} failed: {Degraded(service.Status.Conditions)}");
            }

            if (current && service.Status?.Phase is ServicePhases.Ready or ServicePhases.Stopped && !ClaimPending(service))
            {
                return new WaitOutcome(ExitCodes.Ok, model, service);
            }

            if (DateTime.UtcNow >= deadline)
            {
                return new WaitOutcome(ExitCodes.Timeout, model, service,
                    $"inferenceservice {ns}/{name} not Ready after {Durations.Format(timeout)} ({state}): see llmkube status {name} -n {ns}, or wait longer with --timeout");
            }

            await Task.Delay(Interval, ct).ConfigureAwait(false);
        }
    }

    private async Task ReadyAsync(Model model, InferenceService service)
    {
        if (session.Format != OutputFormat.Table)
        {
            return;
        }

        var output = session.Console.Out;
        var wiring = ServiceWiring.Resolve(service, model, await OperatorConfig.ReadAsync(session.Api, session.OperatorNamespace, CancellationToken.None).ConfigureAwait(false));
        await output.WriteLineAsync($"inferenceservice {ns}/{name} is {service.Status?.Phase} ({service.Status?.ReadyReplicas ?? 0}/{service.Status?.DesiredReplicas ?? 0} replicas ready)").ConfigureAwait(false);
        await output.WriteLineAsync($"  endpoint: {service.Status?.Endpoint ?? "(none yet)"}").ConfigureAwait(false);
        var size = model.Status?.Size is { Length: > 0 } known && known != "0" ? known : "size not reported yet";
        await output.WriteLineAsync($"  model:    {model.Status?.Phase}, {size}").ConfigureAwait(false);
        await output.WriteLineAsync($"  cache:    {wiring.Describe()}").ConfigureAwait(false);
        var port = service.Spec.Endpoint?.Port ?? 8080;
        await output.WriteLineAsync($"  try:      kubectl -n {ns} port-forward svc/{name.Replace('.', '-')} {port}:{port}").ConfigureAwait(false);
    }

    /// <summary>One line: both phases, the replica count, and a cache claim that is not ready yet.</summary>
    public static string State(Model model, InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        var status = service.Status;
        var text = $"model {model.Status?.Phase ?? "(no status yet)"}, service {status?.Phase ?? "(no status yet)"} ({status?.ReadyReplicas ?? 0}/{status?.DesiredReplicas ?? service.Spec.Replicas ?? 1} ready)";
        var cache = status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.ModelCacheReady);
        if (cache is { Status: "False" } && cache.Reason != Reasons.NoClaimNeeded)
        {
            text += $", cache {cache.Reason}";
        }

        return text;
    }

    /// <summary>
    /// The operator can see the new service before its cache has the Model created a moment earlier, and report
    /// ModelNotFound until the Model's event arrives; we just read the Model, so that failure is not final.
    /// </summary>
    private static bool StaleModelNotFound(InferenceService service) =>
        service.Status?.Conditions?.Any(c => c.Type == ConditionTypes.Degraded && c.Status == "True" && c.Reason == Reasons.ModelNotFound) == true;

    /// <summary>Ready is not done while the cache claim is still Pending (as sandbox up settles): the pods cannot really run yet.</summary>
    private static bool ClaimPending(InferenceService service) =>
        service.Status?.Conditions?.Any(c => c.Type == ConditionTypes.ModelCacheReady && c.Reason == Reasons.ClaimPending) == true;

    /// <summary>The Degraded condition's reason and message: what went wrong and how to fix it.</summary>
    public static string Degraded(IEnumerable<V1Condition>? conditions)
    {
        var degraded = conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Degraded && c.Status == "True");
        return degraded is null ? "no reason reported" : $"{degraded.Reason}: {degraded.Message}";
    }
}
