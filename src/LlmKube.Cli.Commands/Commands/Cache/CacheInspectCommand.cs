using System.CommandLine;
using LlmKube.Api.Cache;
using LlmKube.Cli.CacheJobs;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Commands.List;
using LlmKube.Cli.Output;

namespace LlmKube.Cli.Commands.Cache;

/// <summary>
/// <c>llmkube cache inspect CLAIM</c>: the entries on one claim — sizes, files with the fetcher's sidecar (sha256,
/// source, fetch time), the Models and services that own each — read by a short-lived read-only Job.
/// </summary>
internal static class CacheInspectCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var claimName = new Argument<string>("CLAIM") { Description = "The PersistentVolumeClaim to read (mounted read-only; never modified)." };
        var options = new ClusterOptions(allNamespaces: false);
        var jobs = new CacheJobOptions();
        var command = new Command("inspect", "Show the entries on one claim: sizes, files, sha256 and source from the fetcher's records, and which Models and services own them. Exit 3 when the claim does not exist, 1 when it cannot be read, 4 when the Job timed out.")
        {
            claimName,
        };
        options.AddTo(command);
        jobs.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var (image, timeout) = jobs.Read(parse);
            var name = parse.GetValue(claimName)!;
            var ns = session.Namespace;
            var claim = await session.Api.GetClaimAsync(ns, name, ct).ConfigureAwait(false)
                ?? throw CliException.NotFound($"no PersistentVolumeClaim {name} in namespace {ns}: see llmkube cache list -n {ns}");
            var inventory = await CacheInventory.LoadAsync(session, ns, ct).ConfigureAwait(false);
            var usage = inventory.Find(ns, name) ?? new ClaimUsage(ns, name, claim);
            if (usage.NotReadable is { } why)
            {
                throw CliException.Refused($"cannot inspect {ns}/{name}: {why}");
            }

            var read = await new CacheReader(session, image, timeout).ReadOneAsync(usage, ct).ConfigureAwait(false);
            if (session.Format != OutputFormat.Table)
            {
                await Documents.WriteAsync(session.Console.Out, session.Format, CacheListCommand.ClaimJson(read, inventory, onlyOrphaned: false)).ConfigureAwait(false);
            }
            else
            {
                await WriteAsync(session.Console, read, inventory).ConfigureAwait(false);
            }

            if (read.NotRead is not null)
            {
                await session.Console.ErrorLineAsync($"contents of {ns}/{name} unknown: {read.NotRead}").ConfigureAwait(false);
                return read.TimedOut ? ExitCodes.Timeout : ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteAsync(CliConsole console, ClaimContents read, CacheInventory inventory)
    {
        var usage = read.Usage;
        var output = console.Out;
        var access = string.Join(",", usage.Claim?.Spec?.AccessModes ?? []);
        await output.WriteLineAsync($"Claim {usage.Namespace}/{usage.Name}: {usage.Kind}, {usage.Phase}, {usage.Capacity}, {access}").ConfigureAwait(false);
        await output.WriteLineAsync($"Services: {(usage.Services.Count == 0 ? "none" : string.Join(", ", usage.Services.Select(s => $"{s.Name} ({(s.Running ? "running" : "stopped")})")))}").ConfigureAwait(false);
        await output.WriteLineAsync($"Used: {(read.Contents is null ? "unknown" : ByteSize.Format(read.Contents.Bytes))}").ConfigureAwait(false);
        var entries = EntryView.For(usage, read.Contents, inventory);
        await output.WriteLineAsync().ConfigureAwait(false);
        if (entries.Count == 0)
        {
            await output.WriteLineAsync("No cache entries.").ConfigureAwait(false);
        }
        else
        {
            var table = new TextTable("CACHE KEY", "STATUS", "SIZE", "FILES", "MODELS", "SERVICES");
            foreach (var entry in entries)
            {
                table.Add(entry.Key, new Cell(entry.Status, entry.Tone), entry.Size, entry.Found?.FileCount.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                    entry.Models.Count == 0 ? "-" : string.Join(", ", entry.Models), entry.Services.Count == 0 ? "-" : string.Join(", ", entry.Services));
            }

            await table.WriteAsync(console).ConfigureAwait(false);
        }

        var files = entries.Where(e => e.Found is not null).SelectMany(e => (e.Found!.Files ?? []).Select(f => (e.Key, File: f))).ToList();
        if (files.Count > 0)
        {
            var table = new TextTable("CACHE KEY", "FILE", "SIZE", "SHA256", "ORIGIN", "FETCHED", "SOURCE");
            foreach (var (key, file) in files)
            {
                var sha = file.Sha256 is { Length: > 12 } digest ? $"{digest[..12]}… ({file.Sha256Check ?? "?"})" : file.Sha256 ?? "-";
                table.Add(key, file.Name, ByteSize.Format(file.Bytes), sha, file.Origin ?? "-", file.FetchedAt ?? "-", file.Source is null ? "-" : ListCommand.Tail(file.Source, 60));
            }

            await output.WriteLineAsync().ConfigureAwait(false);
            await table.WriteAsync(console).ConfigureAwait(false);
        }

        foreach (var other in read.Contents?.Other ?? [])
        {
            await output.WriteLineAsync($"not a cache entry: {other.Name}{(other.Directory ? "/" : "")} ({ByteSize.Format(other.Bytes)})").ConfigureAwait(false);
        }

        if (read.Contents?.Truncated is { } truncated)
        {
            await output.WriteLineAsync($"report shortened: the Job's termination message is limited to 4 KiB and left out {truncated}" +
                (read.Contents.Omitted > 0 ? $" ({read.Contents.Omitted} entries not listed)" : "")).ConfigureAwait(false);
        }
    }
}
