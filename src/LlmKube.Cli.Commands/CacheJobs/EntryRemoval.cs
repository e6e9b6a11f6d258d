using System.Text.Json.Nodes;
using LlmKube.Api.Cache;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Contracts;

namespace LlmKube.Cli.CacheJobs;

/// <summary>Entries to remove from one claim, and what they are (for the question and the messages).</summary>
internal sealed record RemovalTarget(ClaimUsage Claim, IReadOnlyList<string> Keys, string What);

/// <summary>What a cache-rm Job did on one claim, or why it is not known.</summary>
internal sealed record RemovalOutcome(RemovalTarget Target, CacheRemovalReport? Removal, string? Problem, bool TimedOut)
{
    public bool Ok => Problem is null && Removal is { Failed.Count: 0 };
}

/// <summary>
/// ★ Removing <c>&lt;cacheKey&gt;/</c> from a claim for real, shared by <c>cache clear</c> and <c>delete --purge-cache</c>:
/// refused while a service whose pods could be running uses the entry on that claim, then one read-write
/// <c>cache-rm</c> Job per claim. The claim object itself is never modified or deleted.
/// </summary>
internal static class EntryRemoval
{
    /// <summary>Keys per cache-rm Job, so that its report (about 45 bytes per key) stays well inside the 4 KiB termination message.</summary>
    public const int KeysPerJob = 40;

    public static void RefuseWhileInUse(IEnumerable<RemovalTarget> targets, string? exceptService = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var blockers = targets
            .SelectMany(t => t.Keys.SelectMany(key => t.Claim.UsersOf(key).Where(s => s.Running && s.Name != exceptService).Select(s => (Target: t, Key: key, User: s))))
            .ToList();
        if (blockers.Count == 0)
        {
            return;
        }

        var (target, key, user) = blockers[0];
        var others = blockers.Skip(1).Select(b => b.User.Name).Distinct().ToList();
        var ns = target.Claim.Namespace;
        throw CliException.Refused(
            $"cache entry {key} on claim {target.Claim.Name} is in use by running service {user.Describe()}" +
            (others.Count > 0 ? $" (and {string.Join(", ", others)})" : "") +
            $": stop it first with llmkube scale {user.Name} -r 0 -n {ns}, then run this again (nothing was removed)");
    }

    public static string Question(IReadOnlyList<RemovalTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var parts = targets.Select(t => $"{t.What} from claim {t.Claim.Name} ({t.Claim.Kind}) in namespace {t.Claim.Namespace}");
        return $"Remove {string.Join("; and ", parts)}?";
    }

    public static async Task<IReadOnlyList<RemovalOutcome>> RemoveAsync(ClusterSession session, IReadOnlyList<RemovalTarget> targets, string image, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(targets);
        var outcomes = new List<RemovalOutcome>();
        foreach (var target in targets.SelectMany(t => t.Keys.Chunk(KeysPerJob).Select(keys => t with { Keys = keys })))
        {
            var placement = await ClaimPlacement.ResolveAsync(session.Api, target.Claim, ct).ConfigureAwait(false);
            var request = new CacheJobRequest(target.Claim.Namespace, target.Claim.Name, CacheOperation.Remove, target.Keys, image, timeout, placement);
            var result = await new CacheJobRunner(session.Client).RunAsync(request, ct).ConfigureAwait(false);
            if (!result.Finished)
            {
                outcomes.Add(new RemovalOutcome(target, null, result.Unschedulable ? result.Problem : $"the cache Job {result.JobName} could not run: {result.Problem}", result.TimedOut));
                continue;
            }

            try
            {
                outcomes.Add(new RemovalOutcome(target, CacheReports.ParseRemoval(result.Message), null, false));
            }
            catch (CacheReportException e)
            {
                outcomes.Add(new RemovalOutcome(target, null, $"the cache Job {result.JobName} failed (exit {result.ExitCode}): {e.Message}", false));
            }
        }

        return outcomes;
    }

    public static int ExitCode(IEnumerable<RemovalOutcome> outcomes)
    {
        var list = outcomes.ToList();
        return list.Any(o => o.TimedOut) ? ExitCodes.Timeout : list.All(o => o.Ok) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>One line per key: removed (with its size), not there, or why not; failures as error lines on stderr.</summary>
    public static async Task WriteAsync(CliConsole console, IEnumerable<RemovalOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(console);
        foreach (var outcome in outcomes)
        {
            var claim = $"claim {outcome.Target.Claim.Name} in namespace {outcome.Target.Claim.Namespace}";
            if (outcome.Problem is { } problem)
            {
                await console.ErrorLineAsync($"cannot tell whether {outcome.Target.What} was removed from {claim}: {problem}; run the command again").ConfigureAwait(false);
                continue;
            }

            foreach (var (key, bytes) in outcome.Removal!.Removed)
            {
                await console.Out.WriteLineAsync($"removed cache entry {key}/ ({ByteSize.Format(bytes)}) from {claim}").ConfigureAwait(false);
            }

            foreach (var key in outcome.Removal.Absent)
            {
                await console.Out.WriteLineAsync($"cache entry {key}/ was not on {claim}: nothing to remove").ConfigureAwait(false);
            }

            foreach (var (key, error) in outcome.Removal.Failed)
            {
                await console.ErrorLineAsync($"could not remove cache entry {key}/ from {claim}: {error}").ConfigureAwait(false);
            }
        }
    }

    public static JsonArray ToJson(IEnumerable<RemovalOutcome> outcomes) => new(outcomes.Select(o => (JsonNode)new JsonObject
    {
        ["namespace"] = o.Target.Claim.Namespace,
        ["claim"] = o.Target.Claim.Name,
        ["keys"] = new JsonArray(o.Target.Keys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
        ["removed"] = new JsonArray((o.Removal?.Removed ?? []).Select(r => (JsonNode)new JsonObject { ["key"] = r.Key, ["bytes"] = r.Bytes }).ToArray()),
        ["absent"] = new JsonArray((o.Removal?.Absent ?? []).Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
        ["failed"] = new JsonArray((o.Removal?.Failed ?? []).Select(f => (JsonNode)new JsonObject { ["key"] = f.Key, ["error"] = f.Error }).ToArray()),
        ["error"] = o.Problem,
    }).ToArray());
}
