using k8s.Models;
using LlmKube.Api;
using LlmKube.Contracts;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// Reads the fetcher's failure line (<see cref="TerminationMessage"/>) from the service's pods into the
/// <c>ModelTransferHealthy</c> condition. A pod whose init containers all completed since a failure clears it
/// (a succeeded retry must not stay red).
/// </summary>
public sealed record TransferDiagnosis(string Status, string Reason, string Message, string? EventReason)
{
    /// <summary>The condition reason when the fetcher left no failure line (killed, crashed before writing it).</summary>
    public const string UnclassifiedReason = "TransferFailed";

    private static readonly string[] FetcherContainerNames = [FetcherContainers.PrepName, FetcherContainers.DownloaderName];

    public static TransferDiagnosis? FromPods(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        TransferDiagnosis? failure = null;
        var succeeded = false;
        foreach (var pod in pods.OrderBy(p => p.Metadata?.Name, StringComparer.Ordinal))
        {
            var statuses = pod.Status?.InitContainerStatuses?.Where(s => FetcherContainerNames.Contains(s.Name)).ToList() ?? [];
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

        return failure ?? (succeeded ? new TransferDiagnosis(ConditionStatus.True, Reasons.ModelTransferSucceeded, "the model was fetched into the pod's volume", null) : null);
    }

    /// <summary>The fetcher's line, or, when it wrote none, the exit code and the tail of the message.</summary>
    public static TerminationLine ParseTerminationMessage(string? text, int exitCode) =>
        TerminationMessage.Parse(text)
        ?? new TerminationLine(UnclassifiedReason, $"exited with code {exitCode}{(string.IsNullOrWhiteSpace(text) ? "" : ": " + Tail(text))}");

    /// <summary>The Warning event reason for a fetcher failure.</summary>
    public static string EventReasonFor(FailureReason? reason) => reason switch
    {
        FailureReason.SourceUnauthorized => "ModelSourceUnauthorized",
        FailureReason.SourceNotFound => "ModelSourceNotFound",
        FailureReason.SourceUntrusted => "ModelSourceUntrusted",
        FailureReason.OutOfSpace => "ModelTransferOutOfSpace",
        FailureReason.SourceUnreachable => "ModelSourceUnreachable",
        FailureReason.IntegrityMismatch => "ModelIntegrityMismatch",
        FailureReason.InvalidSource => "ModelSourceInvalid",
        FailureReason.InvalidArguments or FailureReason.CacheNotWritable or FailureReason.Internal or null => "ModelTransferFailed",
    };

    private static TransferDiagnosis Classify(V1Pod pod, string container, V1ContainerStateTerminated terminated)
    {
        var line = ParseTerminationMessage(terminated.Message, terminated.ExitCode);
        var node = pod.Spec?.NodeName is { Length: > 0 } n ? $" on node {n}" : "";
        return new TransferDiagnosis(ConditionStatus.False, line.Reason, $"model transfer failed in pod {pod.Metadata?.Name} ({container}{node}): {line.Message}", EventReasonFor(line.Known));
    }

    private static string Tail(string text) => text.Length <= 300 ? text.Trim() : "…" + text[^300..].Trim();
}
