using System.CommandLine;
using System.Text.Json.Nodes;
using LlmKube.Api.Cache;
using LlmKube.Cli.CacheJobs;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;

namespace LlmKube.Cli.Commands.Cache;

/// <summary>
/// <c>llmkube cache list [-n NS | -A] [--orphaned]</c>: ★ every claim services use for their model cache — shared,
/// perService and users' own claims — with the services and models on each, cache keys and, read by a short-lived
/// read-only Job, sizes; unknown (and why) when they cannot be read.
/// </summary>
internal static class CacheListCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var orphaned = new Option<bool>("--orphaned") { Description = "Only entries on a claim that no Model in its namespace has as cache key." };
        var noRead = new Option<bool>("--no-read") { Description = "Do not start cache Jobs: claims, services, models and keys only (no sizes, nothing created)." };
        var options = new ClusterOptions(allNamespaces: true);
        var jobs = new CacheJobOptions();
        var command = new Command("list", "List every model-cache claim (shared, perService, yours) with its services, models, cache keys and sizes. Exit 4 when a claim's Job timed out, 1 when one failed; the list is printed in full either way.")
        {
            orphaned, noRead,
        };
        command.Aliases.Add("ls");
        options.AddTo(command);
        jobs.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var (image, timeout) = jobs.Read(parse);
            var inventory = await CacheInventory.LoadAsync(session, session.ListNamespace, ct).ConfigureAwait(false);
            var contents = parse.GetValue(noRead)
                ? inventory.Claims.Select(c => new ClaimContents(c, null, c.NotReadable ?? "not read (--no-read)", false)).ToList()
                : await new CacheReader(session, image, timeout).ReadAsync(inventory.Claims, ct).ConfigureAwait(false);
            var onlyOrphaned = parse.GetValue(orphaned);
            if (session.Format != OutputFormat.Table)
            {
                await Documents.WriteAsync(session.Console.Out, session.Format, Document(contents, inventory, onlyOrphaned)).ConfigureAwait(false);
            }
            else
            {
                await new CacheListView(session, inventory, contents, onlyOrphaned).WriteAsync().ConfigureAwait(false);
            }

            return contents.Any(c => c.TimedOut) ? ExitCodes.Timeout
                : contents.Any(c => c.Failed) ? ExitCodes.Failed
                : ExitCodes.Ok;
        });
        return command;
    }

    private static JsonObject Document(IReadOnlyList<ClaimContents> contents, CacheInventory inventory, bool onlyOrphaned) => new()
    {
        ["claims"] = new JsonArray(contents.Select(c => (JsonNode)ClaimJson(c, inventory, onlyOrphaned)).ToArray()),
        ["unplaced"] = new JsonArray(inventory.Unplaced().Select(u => (JsonNode)new JsonObject
        {
            ["namespace"] = u.Model.Metadata.NamespaceProperty,
            ["model"] = u.Model.Metadata.Name,
            ["cacheKey"] = u.Key,
        }).ToArray()),
    };

    public static JsonObject ClaimJson(ClaimContents read, CacheInventory inventory, bool onlyOrphaned)
    {
        ArgumentNullException.ThrowIfNull(read);
        var usage = read.Usage;
        var entries = EntryView.For(usage, read.Contents, inventory).Where(e => !onlyOrphaned || e.Status == EntryView.Orphaned);
        return new JsonObject
        {
            ["namespace"] = usage.Namespace,
            ["name"] = usage.Name,
            ["kind"] = usage.Kind,
            ["phase"] = usage.Phase,
            ["capacity"] = usage.Capacity,
            ["accessModes"] = EntryView.Strings(usage.Claim?.Spec?.AccessModes ?? []),
            ["services"] = new JsonArray(usage.Services.Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["running"] = s.Running, ["cacheKey"] = s.Wiring.CacheKey }).ToArray()),
            ["read"] = read.Contents is not null,
            ["notRead"] = read.NotRead,
            ["timedOut"] = read.TimedOut,
            ["bytes"] = read.Contents?.Bytes,
            ["truncated"] = read.Contents?.Truncated,
            ["entries"] = new JsonArray(entries.Select(e => (JsonNode)e.ToJson()).ToArray()),
            ["other"] = new JsonArray((read.Contents?.Other ?? []).Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["dir"] = o.Directory, ["bytes"] = o.Bytes }).ToArray()),
        };
    }
}

/// <summary>The tables and notes of <c>cache list</c> for people.</summary>
internal sealed class CacheListView(ClusterSession session, CacheInventory inventory, IReadOnlyList<ClaimContents> contents, bool onlyOrphaned)
{
    public async Task WriteAsync()
    {
        var console = session.Console;
        var all = session.AllNamespaces;
        if (contents.Count == 0)
        {
            await console.Out.WriteLineAsync(all ? "No model-cache claims found in any namespace." : $"No model-cache claims found in namespace {session.Namespace}.").ConfigureAwait(false);
            await WriteUnplacedAsync().ConfigureAwait(false);
            return;
        }

        var entries = contents.SelectMany(c => EntryView.For(c.Usage, c.Contents, inventory).Select(e => (c.Usage, Entry: e))).ToList();
        if (!onlyOrphaned)
        {
            var claims = new TextTable(Headers("CLAIM", "KIND", "STATUS", "CAPACITY", "USED", "SERVICES"));
            foreach (var read in contents)
            {
                var usage = read.Usage;
                claims.Add(Row(usage.Namespace, usage.Name, usage.Kind, new Cell(usage.Phase, usage.Phase == "Bound" ? Tone.Good : Tone.Warn),
                    usage.Capacity, read.Contents is null ? "unknown" : ByteSize.Format(read.Contents.Bytes),
                    usage.Services.Count == 0 ? "-" : string.Join(", ", usage.Services.Select(s => s.Name))));
            }

            await console.Out.WriteLineAsync("CLAIMS").ConfigureAwait(false);
            await claims.WriteAsync(console).ConfigureAwait(false);
            await console.Out.WriteLineAsync().ConfigureAwait(false);
        }

        var shown = entries.Where(e => !onlyOrphaned || e.Entry.Status == EntryView.Orphaned).ToList();
        if (shown.Count == 0)
        {
            await console.Out.WriteLineAsync(onlyOrphaned ? "No orphaned cache entries found." : "No cache entries found.").ConfigureAwait(false);
        }
        else
        {
            var table = new TextTable(Headers("CLAIM", "CACHE KEY", "STATUS", "SIZE", "MODELS", "SERVICES"));
            foreach (var (usage, entry) in shown)
            {
                table.Add(Row(usage.Namespace, usage.Name, entry.Key, new Cell(entry.Status, entry.Tone), entry.Size,
                    entry.Models.Count == 0 ? "-" : string.Join(", ", entry.Models), entry.Services.Count == 0 ? "-" : string.Join(", ", entry.Services)));
            }

            await console.Out.WriteLineAsync("ENTRIES").ConfigureAwait(false);
            await table.WriteAsync(console).ConfigureAwait(false);
        }

        foreach (var read in contents.Where(c => c.NotRead is not null))
        {
            await console.Out.WriteLineAsync($"contents unknown: {read.Usage.Namespace}/{read.Usage.Name}: {read.NotRead}").ConfigureAwait(false);
        }

        foreach (var read in contents.Where(c => c.Contents?.Truncated is not null))
        {
            await console.Out.WriteLineAsync($"report shortened: {read.Usage.Namespace}/{read.Usage.Name}: the Job's 4 KiB report left out {read.Contents!.Truncated}; see llmkube cache inspect {read.Usage.Name} -n {read.Usage.Namespace}").ConfigureAwait(false);
        }

        if (!onlyOrphaned)
        {
            await WriteUnplacedAsync().ConfigureAwait(false);
        }

        var readCount = contents.Count(c => c.Contents is not null);
        var bytes = contents.Sum(c => c.Contents?.Bytes ?? 0);
        await console.Out.WriteLineAsync(
            $"Total: {entries.Count} entries on {contents.Count} claims ({entries.Count(e => e.Entry.Status == EntryView.InUse)} in use, {entries.Count(e => e.Entry.Status == EntryView.Orphaned)} orphaned); " +
            $"{readCount} of {contents.Count} claims read, {ByteSize.Format(bytes)} used on them").ConfigureAwait(false);
    }

    private async Task WriteUnplacedAsync()
    {
        foreach (var (model, key) in inventory.Unplaced())
        {
            await session.Console.Out.WriteLineAsync(
                $"on no claim: model {model.Metadata.NamespaceProperty}/{model.Metadata.Name} (key {key}): no service uses it; the first service that does fetches it to its claim " +
                "(llmkube-model-cache in shared mode, <service>-model-cache in perService mode, or its spec.modelCache.claimName)").ConfigureAwait(false);
        }
    }

    private string[] Headers(params string[] headers) => session.AllNamespaces ? ["NAMESPACE", .. headers] : headers;

    private Cell[] Row(string ns, params Cell[] cells) => session.AllNamespaces ? [ns, .. cells] : cells;
}
