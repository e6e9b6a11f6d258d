using System.Text.Json.Nodes;
using LlmKube.Api.Cache;
using LlmKube.Cli.Output;
using LlmKube.Contracts;

namespace LlmKube.Cli.CacheJobs;

/// <summary>
/// One entry of a claim as people see it: what the services and Models say about the key, merged with what the
/// Job found. Status: <c>in use</c> (a running service uses it here), <c>idle</c> (a Model has this key, no running
/// service uses it here), <c>orphaned</c> (on the claim, but no Model in the namespace has this key).
/// </summary>
internal sealed record EntryView(string Key, string Status, CacheEntryReport? Found, bool Read, IReadOnlyList<string> Models, IReadOnlyList<string> Services)
{
    public const string InUse = "in use";
    public const string Idle = "idle";
    public const string Orphaned = "orphaned";

    /// <summary>The size, or what is known instead: not fetched yet, or unknown (contents not read).</summary>
    public string Size => !Read ? "unknown"
        : Found is null ? "not fetched"
        : Found.PartialBytes > 0 || Found.Busy ? $"{ByteSize.Format(Found.Bytes)} (downloading)"
        : ByteSize.Format(Found.Bytes);

    public Tone Tone => Status switch
    {
        InUse => Tone.Good,
        Orphaned => Tone.Warn,
        _ => Tone.Plain,
    };

    public static IReadOnlyList<EntryView> For(ClaimUsage claim, CacheListingReport? contents, CacheInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(inventory);
        var keys = claim.Services.Select(s => s.Wiring.CacheKey!)
            .Concat(contents?.Entries.Select(e => e.Key) ?? [])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var views = new List<EntryView>();
        foreach (var key in keys)
        {
            var users = claim.UsersOf(key).ToList();
            var models = inventory.ModelsWithKey(claim.Namespace, key).Select(m => m.Metadata.Name).ToList();
            var status = users.Any(u => u.Running) ? InUse : models.Count > 0 || users.Count > 0 ? Idle : Orphaned;
            views.Add(new EntryView(key, status, contents?.Entries.FirstOrDefault(e => e.Key == key), contents is not null, models, users.Select(u => u.Name).ToList()));
        }

        return views;
    }

    public JsonObject ToJson() => new()
    {
        ["key"] = Key,
        ["status"] = Status,
        ["present"] = Read ? Found is not null : null,
        ["bytes"] = Found?.Bytes,
        ["partialBytes"] = Found?.PartialBytes,
        ["busy"] = Found?.Busy,
        ["models"] = Strings(Models),
        ["services"] = Strings(Services),
        ["files"] = new JsonArray((Found?.Files ?? []).Select(f => (JsonNode)new JsonObject
        {
            ["name"] = f.Name,
            ["bytes"] = f.Bytes,
            ["sha256"] = f.Sha256,
            ["sha256Check"] = f.Sha256Check,
            ["source"] = f.Source,
            ["fetchedAt"] = f.FetchedAt,
            ["origin"] = f.Origin,
        }).ToArray()),
    };

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
