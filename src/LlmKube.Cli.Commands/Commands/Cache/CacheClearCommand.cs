using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmKube.Api.Cache;
using LlmKube.Cli.CacheJobs;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.Commands.Cache;

/// <summary>
/// <c>llmkube cache clear [--model M] [--claim C] [--key K] [--yes]</c>: ★ really removes <c>&lt;cacheKey&gt;/</c> from the
/// right claim through a short-lived Job that mounts it, after confirmation; refuses while a running service uses
/// the entry; never modifies or deletes the claim object.
/// </summary>
internal static partial class CacheClearCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var model = new Option<string?>("--model") { Description = "Remove this Model's entry (its cache key) from the claims its services use, or from --claim; the shared claim when no service uses it." };
        var claim = new Option<string?>("--claim") { Description = "The claim to clear; alone: every entry on it; with --model or --key: only that entry." };
        var key = new Option<string?>("--key") { Description = "With --claim: remove the entry with this cache key (16 hex), e.g. an orphaned one from llmkube cache list --orphaned." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed without a terminal)." };
        var options = new ClusterOptions(allNamespaces: false);
        var jobs = new CacheJobOptions(CacheJobOptions.ChangeTimeout);
        var command = new Command("clear", "Remove cache entries from a claim for real, through a short-lived Job; refused while a running service uses an entry (exit 1), asks first (--yes for scripts).")
        {
            model, claim, key, yes,
        };
        options.AddTo(command);
        jobs.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var (image, timeout) = jobs.Read(parse);
            var request = new ClearRequest(parse.GetValue(model), parse.GetValue(claim), parse.GetValue(key));
            request.Validate();
            var inventory = await CacheInventory.LoadAsync(session, session.Namespace, ct).ConfigureAwait(false);
            var outcomes = request.Model is null && request.Key is null
                ? await ClearClaimAsync(session, inventory, request.Claim!, parse.GetValue(yes), image, timeout, ct).ConfigureAwait(false)
                : await ClearEntriesAsync(session, inventory, request, parse.GetValue(yes), image, timeout, ct).ConfigureAwait(false);
            if (outcomes.Count == 0)
            {
                return ExitCodes.Ok;
            }

            if (session.Format == OutputFormat.Table)
            {
                await EntryRemoval.WriteAsync(session.Console, outcomes).ConfigureAwait(false);
            }
            else
            {
                await Documents.WriteAsync(session.Console.Out, session.Format, new JsonObject { ["results"] = EntryRemoval.ToJson(outcomes) }).ConfigureAwait(false);
                foreach (var problem in outcomes.Where(o => o.Problem is not null))
                {
                    await session.Console.ErrorLineAsync(problem.Problem!).ConfigureAwait(false);
                }
            }

            return EntryRemoval.ExitCode(outcomes);
        });
        return command;
    }

    /// <summary>One entry (--model, or --claim with --key) on the claims that hold it.</summary>
    private static async Task<IReadOnlyList<RemovalOutcome>> ClearEntriesAsync(ClusterSession session, CacheInventory inventory, ClearRequest request, bool yes, string image, TimeSpan timeout, CancellationToken ct)
    {
        var ns = session.Namespace;
        IReadOnlyList<RemovalTarget> targets;
        if (request.Model is { } modelName)
        {
            var model = inventory.Models.FirstOrDefault(m => m.Metadata.Name == modelName)
                ?? throw CliException.NotFound($"no model {modelName} in namespace {ns}: see llmkube list models -n {ns}");
            var modelKey = CacheInventory.KeyOf(model);
            if (modelKey.Length == 0)
            {
                await session.Console.Out.WriteLineAsync($"model {ns}/{modelName} has no cache key (its source is not cached): nothing to remove").ConfigureAwait(false);
                return [];
            }

            List<string> claims = request.Claim is { } named ? [named]
                : inventory.Claims.Where(c => c.UsersOf(modelKey).Any()).Select(c => c.Name).ToList();
            if (claims.Count == 0)
            {
                claims = inventory.Find(ns, ModelCacheDecision.SharedClaimName)?.Claim is not null
                    ? [ModelCacheDecision.SharedClaimName]
                    : throw CliException.NotFound($"no service puts model {modelName}'s entry {modelKey} on a claim, and there is no shared claim: name the claim with --claim");
            }

            targets = await ReadyTargetsAsync(session, inventory, claims.Select(c => (c, (IReadOnlyList<string>)[modelKey], $"cache entry {modelKey}/ (model {modelName})")), ct).ConfigureAwait(false);
        }
        else
        {
            targets = await ReadyTargetsAsync(session, inventory, [(request.Claim!, [request.Key!], $"cache entry {request.Key}/")], ct).ConfigureAwait(false);
        }

        if (targets.Count == 0)
        {
            return [];
        }

        EntryRemoval.RefuseWhileInUse(targets);
        await Confirmation.RequireAsync(session.Console, yes, EntryRemoval.Question(targets), "removing cache entries", ct).ConfigureAwait(false);
        return await EntryRemoval.RemoveAsync(session, targets, image, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Every entry on one claim: refused while any running service uses the claim; read first so the question names
    /// what goes; removed in rounds, reading again, when the first listing did not fit in the Job's 4 KiB report.
    /// </summary>
    private static async Task<IReadOnlyList<RemovalOutcome>> ClearClaimAsync(ClusterSession session, CacheInventory inventory, string claim, bool yes, string image, TimeSpan timeout, CancellationToken ct)
    {
        const int MaxRounds = 50;
        var ns = session.Namespace;
        if (await UsageAsync(session, inventory, claim, ct).ConfigureAwait(false) is not { } usage)
        {
            return [];
        }

        EntryRemoval.RefuseWhileInUse([new RemovalTarget(usage, usage.Services.Select(s => s.Wiring.CacheKey!).Distinct().ToList(), "")]);
        var reader = new CacheReader(session, image, timeout);
        var read = await reader.ReadOneAsync(usage, ct).ConfigureAwait(false);
        if (read.Contents is null)
        {
            throw new CliException(read.TimedOut ? ExitCodes.Timeout : ExitCodes.Failed,
                $"cannot list the entries on claim {usage.Name}: {read.NotRead}; nothing was removed (name an entry with --model or --key to remove it without listing)");
        }

        if (read.Contents.Entries.Count == 0)
        {
            await session.Console.Out.WriteLineAsync($"claim {usage.Name} in namespace {ns} holds no cache entries: nothing to remove").ConfigureAwait(false);
            return [];
        }

        var listed = read.Contents.Entries;
        var total = listed.Count + (read.Contents.Omitted ?? 0);
        var more = total > 5 ? $" and {total - 5} more" : "";
        var what = $"all {total} cache entr{(total == 1 ? "y" : "ies")} ({string.Join(", ", listed.Take(5).Select(e => e.Key))}{more}; {ByteSize.Format(read.Contents.Bytes)} on the claim)";
        var first = new RemovalTarget(usage, listed.Select(e => e.Key).ToList(), what);
        await Confirmation.RequireAsync(session.Console, yes, EntryRemoval.Question([first]), "removing cache entries", ct).ConfigureAwait(false);
        var outcomes = new List<RemovalOutcome>(await EntryRemoval.RemoveAsync(session, [first], image, timeout, ct).ConfigureAwait(false));
        for (var round = 1; round < MaxRounds && read.Contents.Omitted > 0 && outcomes.All(o => o.Ok); round++)
        {
            read = await reader.ReadOneAsync(usage, ct).ConfigureAwait(false);
            if (read.Contents is null)
            {
                outcomes.Add(new RemovalOutcome(first, null, $"cannot list the remaining entries: {read.NotRead}", read.TimedOut));
                break;
            }

            if (read.Contents.Entries.Count == 0)
            {
                break;
            }

            outcomes.AddRange(await EntryRemoval.RemoveAsync(session, [first with { Keys = read.Contents.Entries.Select(e => e.Key).ToList() }], image, timeout, ct).ConfigureAwait(false));
        }

        return outcomes;
    }

    private static async Task<IReadOnlyList<RemovalTarget>> ReadyTargetsAsync(ClusterSession session, CacheInventory inventory, IEnumerable<(string Claim, IReadOnlyList<string> Keys, string What)> wanted, CancellationToken ct)
    {
        var targets = new List<RemovalTarget>();
        foreach (var (claim, keys, what) in wanted)
        {
            if (await UsageAsync(session, inventory, claim, ct).ConfigureAwait(false) is { } usage)
            {
                targets.Add(new RemovalTarget(usage, keys, what));
            }
        }

        return targets;
    }

    /// <summary>The claim with its users; not found is an error, a claim that holds nothing (Pending) is skipped with a note.</summary>
    private static async Task<ClaimUsage?> UsageAsync(ClusterSession session, CacheInventory inventory, string name, CancellationToken ct)
    {
        var ns = session.Namespace;
        var usage = inventory.Find(ns, name) is { Claim: not null } known ? known
            : await session.Api.GetClaimAsync(ns, name, ct).ConfigureAwait(false) is { } claim ? new ClaimUsage(ns, name, claim)
            : throw CliException.NotFound($"no PersistentVolumeClaim {name} in namespace {ns}: see llmkube cache list -n {ns}");
        if (usage.NotReadable is { } why)
        {
            await session.Console.Out.WriteLineAsync($"nothing to remove from claim {name}: {why}").ConfigureAwait(false);
            return null;
        }

        return usage;
    }

    private sealed record ClearRequest(string? Model, string? Claim, string? Key)
    {
        public void Validate()
        {
            if (Model is null && Claim is null && Key is null)
            {
                throw CliException.Usage("name what to clear: --model M (its entry), --claim C (every entry on C), or --claim C --key K (one entry)");
            }

            if (Key is not null && Model is not null)
            {
                throw CliException.Usage("--key and --model both name an entry: use one of them");
            }

            if (Key is not null && Claim is null)
            {
                throw CliException.Usage("--key needs --claim: an entry is removed from one named claim");
            }

            if (Key is not null && !KeyPattern().IsMatch(Key))
            {
                throw CliException.Usage($"--key {Key}: a cache key is 16 lowercase hex characters (see llmkube cache list)");
            }
        }
    }

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex KeyPattern();
}
