using System.CommandLine;
using System.Text.Json.Nodes;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.CacheJobs;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.Commands.Delete;

/// <summary>
/// <c>llmkube delete NAME [--purge-cache] [--yes]</c>: deletes the InferenceService NAME, then the Model NAME (kept
/// while other services use it). ★ With --purge-cache it also removes the service's cache entry from its claim
/// through a short-lived Job, after confirmation, refusing while another running service uses that entry.
/// </summary>
internal static class DeleteCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME") { Description = "The InferenceService and Model to delete." };
        var purge = new Option<bool>("--purge-cache") { Description = "Also remove the service's cache entry <cacheKey>/ from its claim (the claim itself is never deleted)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask before purging the cache (needed without a terminal)." };
        var options = new ClusterOptions(allNamespaces: false);
        var jobs = new CacheJobOptions("With --purge-cache: how long to wait for the service's pods to go and then for the cache Job (30s, 2m); past it the command exits 4.");
        var command = new Command("delete", "Delete a service and its Model; with --purge-cache also remove its cache entry from its claim (asks first; refused while another running service uses it).")
        {
            name, purge, yes,
        };
        command.Aliases.Add("rm");
        options.AddTo(command);
        jobs.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var (image, timeout) = jobs.Read(parse);
            return await new Deletion(session, parse.GetValue(name)!, image, timeout).RunAsync(parse.GetValue(purge), parse.GetValue(yes), ct).ConfigureAwait(false);
        });
        return command;
    }

    private sealed class Deletion(ClusterSession session, string name, string image, TimeSpan timeout)
    {
        private readonly JsonArray _deleted = [];
        private readonly List<string> _notes = [];

        private string Ns => session.Namespace;

        public async Task<int> RunAsync(bool purge, bool yes, CancellationToken ct)
        {
            var inventory = await CacheInventory.LoadAsync(session, Ns, ct).ConfigureAwait(false);
            var service = inventory.Services.FirstOrDefault(s => s.Metadata.Name == name);
            var model = inventory.Models.FirstOrDefault(m => m.Metadata.Name == name);
            if (service is null && model is null)
            {
                throw CliException.NotFound($"no inferenceservice or model named {name} in namespace {Ns}: see llmkube list -n {Ns}");
            }

            var target = purge ? PurgeTarget(service, inventory) : null;
            if (target is not null)
            {
                EntryRemoval.RefuseWhileInUse([target], exceptService: name);
                var what = service is null ? "" : $"inferenceservice {Ns}/{name}, " + (model is null ? "" : $"model {Ns}/{name}, ");
                await Confirmation.RequireAsync(session.Console, yes, $"Delete {what}and remove {target.What} from claim {target.Claim.Name} ({target.Claim.Kind})?", "purging the cache", ct).ConfigureAwait(false);
            }

            if (service is not null)
            {
                await DeleteAsync(InferenceService.Plural, "inferenceservice", ct).ConfigureAwait(false);
            }

            var code = ExitCodes.Ok;
            JsonArray? purged = null;
            if (target is not null)
            {
                await WaitForPodsGoneAsync(ct).ConfigureAwait(false);
                var outcomes = await EntryRemoval.RemoveAsync(session, [target], image, timeout, ct).ConfigureAwait(false);
                code = EntryRemoval.ExitCode(outcomes);
                purged = EntryRemoval.ToJson(outcomes);
                if (session.Format == OutputFormat.Table)
                {
                    await EntryRemoval.WriteAsync(session.Console, outcomes).ConfigureAwait(false);
                }

                if (code != ExitCodes.Ok)
                {
                    _notes.Add($"the entry may still be on the claim: clear it with llmkube cache clear --claim {target.Claim.Name} --key {target.Keys[0]} -n {Ns}");
                }
            }

            if (model is not null)
            {
                var others = inventory.Services.Where(s => s.Metadata.Name != name && s.Spec.ModelRef == name).Select(s => s.Metadata.Name).ToList();
                if (others.Count > 0)
                {
                    _notes.Add($"model {Ns}/{name} kept: still used by {string.Join(", ", others)}");
                }
                else
                {
                    await DeleteAsync(Model.Plural, "model", ct).ConfigureAwait(false);
                }
            }

            if (session.Format != OutputFormat.Table)
            {
                await Documents.WriteAsync(session.Console.Out, session.Format, new JsonObject { ["deleted"] = _deleted, ["purged"] = purged, ["notes"] = EntryView.Strings(_notes) }).ConfigureAwait(false);
            }
            else
            {
                foreach (var note in _notes)
                {
                    await session.Console.Out.WriteLineAsync(note).ConfigureAwait(false);
                }
            }

            return code;
        }

        /// <summary>The entry to purge, or null with a note when there is none (not cached, or a perService claim that goes with the service).</summary>
        private RemovalTarget? PurgeTarget(InferenceService? service, CacheInventory inventory)
        {
            if (service is null)
            {
                throw CliException.Refused($"cannot purge: there is no inferenceservice {name} in namespace {Ns} to say which claim holds the entry; " +
                    $"first run llmkube cache clear --model {name} --claim CLAIM -n {Ns}, then delete without --purge-cache (nothing was deleted)");
            }

            var wiring = inventory.Wiring.Resolve(service);
            if (!wiring.UsesCacheClaim)
            {
                _notes.Add($"nothing to purge: the model is not on a cache claim ({wiring.Describe()})");
                return null;
            }

            if (wiring.Plan?.Claim?.Kind == CacheClaimKind.PerService)
            {
                _notes.Add($"nothing else to purge: the perService claim {wiring.ClaimName} is owned by the service and deleted with it, contents included");
                return null;
            }

            var usage = inventory.Find(Ns, wiring.ClaimName!)!;
            if (usage.NotReadable is { } why)
            {
                _notes.Add($"nothing to purge on claim {usage.Name}: {why}");
                return null;
            }

            return new RemovalTarget(usage, [wiring.CacheKey!], $"cache entry {wiring.CacheKey}/ (model {service.Spec.ModelRef})");
        }

        private async Task DeleteAsync(string plural, string kind, CancellationToken ct)
        {
            if (await session.Api.DeleteCustomAsync(Ns, plural, name, ct).ConfigureAwait(false))
            {
                _deleted.Add((JsonNode)new JsonObject { ["kind"] = kind, ["namespace"] = Ns, ["name"] = name });
                if (session.Format == OutputFormat.Table)
                {
                    await session.Console.Out.WriteLineAsync($"{kind} {Ns}/{name} deleted").ConfigureAwait(false);
                }
            }
        }

        /// <summary>The deleted service's pods release the claim (and their node, for ReadWriteOnce) before the Job mounts it.</summary>
        private async Task WaitForPodsGoneAsync(CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + timeout;
            while ((await session.Api.ListPodsAsync(Ns, $"{ObjectLabels.InferenceServiceLabel}={name}", ct).ConfigureAwait(false)).Count > 0)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new CliException(ExitCodes.Timeout, $"the pods of inferenceservice {Ns}/{name} did not go away within {Durations.Format(timeout)}; the entry was not removed: " +
                        $"run llmkube cache clear --model {name} -n {Ns} when they are gone");
                }

                await Task.Delay(250, ct).ConfigureAwait(false);
            }
        }
    }
}
