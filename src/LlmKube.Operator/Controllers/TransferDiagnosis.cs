using k8s.Models;
using LlmKube.Api;
using LlmKube.Operator.Builders;
using Cond = LlmKube.ControllerRuntime.Conditions;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// Reads the fetcher's one-line termination message (<c>reason=X message=Y</c>) from the service's pods
/// into the <c>ModelTransferHealthy</c> condition. A pod whose init containers all completed since a failure
/// clears it (a succeeded retry must not stay red).
/// </summary>
public sealed record TransferDiagnosis(string Status, string Reason, string Message, string? EventReason)
{
    private static readonly string[] FetcherContainers = [FetcherEnv.PrepContainer, FetcherEnv.DownloaderContainer];

    public static TransferDiagnosis? FromPods(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        TransferDiagnosis? failure = null;
        var succeeded = false;
        foreach (var pod in pods.OrderBy(p => p.Metadata?.Name, StringComparer.Ordinal))
        {
            var statuses = pod.Status?.InitContainerStatuses?.Where(s => FetcherContainers.Contains(s.Name)).ToList() ?? [];
            if (statuses.Count == 0)
            {
                continue;
            }

            if (statuses.All(s => s.State?.Terminated?.ExitCode == 0))
            {
                succeeded = true;
                continue;
            }

            foreach (var status in statuses)
            {
                var terminated = status.State?.Terminated is { ExitCode: not 0 } current ? current
                    : status.State?.Terminated is null ? status.LastState?.Terminated is { ExitCode: not 0 } last ? last : null
                    : null;
                if (terminated is not null)
                {
                    failure ??= Classify(pod, status.Name, terminated);
                }
            }
        }

        return failure ?? (succeeded ? new TransferDiagnosis(Cond.True, Reasons.ModelTransferSucceeded, "the model was fetched into the pod's volume", null) : null);
    }

    /// <summary>Parses <c>reason=&lt;Reason&gt; message=&lt;text&gt;</c>; falls back to the exit code.</summary>
    public static (string Reason, string Message) ParseTerminationMessage(string? text, int exitCode)
    {
        var line = text?.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("reason=", StringComparison.Ordinal));
        if (line is null)
        {
            return ("TransferFailed", $"exited with code {exitCode}{(string.IsNullOrWhiteSpace(text) ? "" : ": " + Tail(text))}");
        }

        var messageAt = line.IndexOf(" message=", StringComparison.Ordinal);
        var reason = messageAt < 0 ? line["reason=".Length..] : line["reason=".Length..messageAt];
        var message = messageAt < 0 ? "" : line[(messageAt + " message=".Length)..];
        return (reason.Trim(), message.Trim());
    }

    private static TransferDiagnosis Classify(V1Pod pod, string container, V1ContainerStateTerminated terminated)
    {
        var (reason, message) = ParseTerminationMessage(terminated.Message, terminated.ExitCode);
        var node = pod.Spec?.NodeName is { Length: > 0 } n ? $" on node {n}" : "";
        var eventReason = reason switch
        {
            "SourceUnauthorized" => "ModelSourceUnauthorized",
            "SourceNotFound" => "ModelSourceNotFound",
            "SourceUntrusted" => "ModelSourceUntrusted",
            "OutOfSpace" => "ModelTransferOutOfSpace",
            "SourceUnreachable" => "ModelSourceUnreachable",
            "IntegrityMismatch" => "ModelIntegrityMismatch",
            "InvalidSource" => "ModelSourceInvalid",
            _ => "ModelTransferFailed",
        };
        return new TransferDiagnosis(Cond.False, reason, $"model transfer failed in pod {pod.Metadata?.Name} ({container}{node}): {message}", eventReason);
    }

    private static string Tail(string text) => text.Length <= 300 ? text.Trim() : "…" + text[^300..].Trim();
}
