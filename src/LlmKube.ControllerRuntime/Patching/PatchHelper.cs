using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>The patches that turn a snapshot into a modified object; either may be null (nothing to send).</summary>
/// <param name="Main">Merge patch for metadata and spec (everything except <c>status</c>), sent to the object.</param>
/// <param name="Status">Merge patch <c>{"status": …}</c>, sent to the <c>/status</c> subresource.</param>
public sealed record PatchPlan(JsonObject? Main, JsonObject? Status)
{
    /// <summary>True when there is nothing to send.</summary>
    public bool IsEmpty => Main == null && Status == null;
}

/// <summary>What a patch call did.</summary>
public enum PatchOutcome
{
    /// <summary>Nothing differed; no request was sent.</summary>
    Unchanged,

    /// <summary>One or two patches were sent and accepted.</summary>
    Patched,

    /// <summary>409 Conflict (the server refused the write; merge patches carry no resourceVersion): requeue.</summary>
    Conflict,

    /// <summary>404: the object is gone.</summary>
    NotFound,
}

/// <summary>The result of <see cref="PatchHelper{T}.PatchAsync"/>.</summary>
/// <param name="Outcome">What the call did.</param>
/// <param name="ResourceVersion">The object's resourceVersion after the last patch sent; null when none was sent or it failed.</param>
public sealed record PatchResult(PatchOutcome Outcome, string? ResourceVersion)
{
    /// <summary>Maps to a reconcile result: conflicts requeue, everything else is done.</summary>
    public ReconcileResult ToReconcileResult() => Outcome == PatchOutcome.Conflict ? ReconcileResult.Requeue : ReconcileResult.Done;
}

/// <summary>
/// cluster-api's patch helper: snapshot an object, let code change a copy, then send only the differences as
/// JSON merge patches — one for metadata/spec, one for <c>/status</c> — and nothing at all when nothing changed.
/// Server-owned metadata (resourceVersion, uid, generation, managedFields, creationTimestamp, selfLink) is
/// never part of a patch.
/// </summary>
public sealed class PatchHelper<T> : PatchSnapshot
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly string[] ServerOwned = ["resourceVersion", "uid", "generation", "managedFields", "creationTimestamp", "selfLink"];

    /// <summary>The main patch's part of an object: everything but status, apiVersion, kind and server-owned metadata.</summary>
    private static readonly MergePatchScope MainScope = new(
        ["status", "apiVersion", "kind"],
        new Dictionary<string, MergePatchScope> { ["metadata"] = new(ServerOwned) });

    private PatchHelper(T original, byte[] snapshot)
        : base(original, snapshot)
    {
    }

    /// <summary>Snapshot <paramref name="original"/> and return a deep copy to modify, plus the helper.</summary>
    public static (PatchHelper<T> Helper, T Copy) Begin(T original)
    {
        // One serialization serves both the snapshot and the copy (reconciles run this for every object).
        ArgumentNullException.ThrowIfNull(original);
        var snapshot = KubernetesJsonNodes.ToUtf8(original);
        return (new PatchHelper<T>(original, snapshot), KubernetesJsonNodes.FromUtf8<T>(snapshot));
    }

    /// <summary>Computes the patches from the snapshot to <paramref name="modified"/> (pure; no I/O).</summary>
    public PatchPlan Compute(T modified)
    {
        ArgumentNullException.ThrowIfNull(modified);
        var written = KubernetesJsonNodes.ToUtf8(modified);
        return written.AsSpan().SequenceEqual(Before) ? PatchPlans.None : Plan(Before, written);
    }

    /// <summary>
    /// Like <see cref="Compute(T)"/>, and when anything differs, first applies <paramref name="stamp"/> to
    /// <paramref name="modified"/> (a last-updated time: one value that must not by itself make a change). A pass that
    /// changes nothing serializes the object once; one that changes something diffs once, after the stamp. The stamp
    /// may have been applied even when the plan comes back empty.
    /// </summary>
    public PatchPlan Compute(T modified, Action<T> stamp) => PatchPlans.Stamped(Before, modified, stamp, Plan);

    /// <summary>
    /// Sends the patches for <paramref name="modified"/> (none when unchanged). Conflicts and a vanished object
    /// are returned as outcomes; other failures throw.
    /// </summary>
    public Task<PatchResult> PatchAsync(IResourceClient<T> client, T modified, CancellationToken cancellationToken) =>
        SendAsync(client, Compute(modified), cancellationToken);

    /// <summary>Sends <paramref name="plan"/> (from <see cref="Compute(T)"/> of this helper); nothing when it is empty. Outcomes as <see cref="PatchAsync"/>.</summary>
    public Task<PatchResult> SendAsync(IResourceClient<T> client, PatchPlan plan, CancellationToken cancellationToken) =>
        PatchPlans.SendAsync(client, Namespace, Name, plan, cancellationToken);

    /// <summary>A merge-patch body for KubernetesClient.</summary>
    public static V1Patch MergePatch(JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
    }

    private static PatchPlan Plan(byte[] snapshot, byte[] written)
    {
        using var before = JsonDocument.Parse(snapshot);
        using var after = JsonDocument.Parse(written);
        var main = JsonMergePatch.Diff(before.RootElement, after.RootElement, MainScope);
        return PatchPlans.WithStatus(main, Status(before.RootElement), Status(after.RootElement));
    }

    /// <summary>The object's status when it is an object (a null or missing status is none).</summary>
    private static JsonElement? Status(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var status) ? PatchPlans.AsStatus(status) : null;
}

/// <summary>The object a patch helper writes to, and its snapshot.</summary>
public abstract class PatchSnapshot
{
    private protected PatchSnapshot(IKubernetesObject<V1ObjectMeta> original, byte[] snapshot)
    {
        Before = snapshot;
        Namespace = original.Metadata?.NamespaceProperty;
        Name = original.Metadata?.Name ?? throw new ArgumentException("object has no name", nameof(original));
    }

    /// <summary>Namespace of the object.</summary>
    public string? Namespace { get; }

    /// <summary>Name of the object.</summary>
    public string Name { get; }

    /// <summary>The snapshot as the client serializes it: bytes, not a JSON tree, because most passes change nothing.</summary>
    private protected byte[] Before { get; }
}

/// <summary>What <see cref="PatchHelper{T}"/> and <see cref="StatusPatchHelper{T, TStatus}"/> share: the stamp rule, the status patch and the requests.</summary>
internal static class PatchPlans
{
    public static readonly PatchPlan None = new(null, null);

    /// <summary>
    /// The plan from <paramref name="snapshot"/> to <paramref name="modified"/>, stamped when anything differs (see
    /// <see cref="PatchHelper{T}.Compute(T, Action{T})"/>): a pass that changes nothing serializes once, one that changes
    /// something diffs once, after the stamp.
    /// </summary>
    public static PatchPlan Stamped<TCopy>(byte[] snapshot, TCopy modified, Action<TCopy> stamp, Func<byte[], byte[], PatchPlan> plan)
        where TCopy : class
    {
        ArgumentNullException.ThrowIfNull(modified);
        ArgumentNullException.ThrowIfNull(stamp);
        var written = KubernetesJsonNodes.ToUtf8(modified);
        if (written.AsSpan().SequenceEqual(snapshot))
        {
            return None;
        }

        stamp(modified);
        var stamped = plan(snapshot, KubernetesJsonNodes.ToUtf8(modified));

        // A plan that changes a single field may change only the stamp (the bytes differed in something a patch does
        // not carry, such as server-owned metadata or the order of a map's keys): then the unstamped object decides.
        return Values(stamped.Main, 2) + Values(stamped.Status, 2) > 1 || !plan(snapshot, written).IsEmpty ? stamped : None;
    }

    /// <summary>A plan of <paramref name="main"/> and the status diff, sent as <c>{"status": …}</c>; a missing status is none.</summary>
    public static PatchPlan WithStatus(JsonObject? main, JsonElement? before, JsonElement? after)
    {
        var status = before is null && after is null ? null : JsonMergePatch.Diff(before ?? default, after ?? default, MergePatchScope.Everything);
        return new PatchPlan(main, status is null ? null : new JsonObject { ["status"] = status });
    }

    /// <summary>A status as the diff reads it: an object, or none (JSON null).</summary>
    public static JsonElement? AsStatus(JsonElement status) => status.ValueKind == JsonValueKind.Object ? status : null;

    /// <summary>Sends <paramref name="plan"/>: the main patch, then the status patch. Conflicts and a vanished object are outcomes; other failures throw.</summary>
    public static async Task<PatchResult> SendAsync<T>(IResourceClient<T> client, string? @namespace, string name, PatchPlan plan, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsEmpty)
        {
            return new PatchResult(PatchOutcome.Unchanged, null);
        }

        try
        {
            string? latest = null;
            if (plan.Main != null)
            {
                latest = await client.PatchAsync(@namespace, name, PatchHelper<T>.MergePatch(plan.Main), status: false, cancellationToken).ConfigureAwait(false);
            }

            if (plan.Status != null)
            {
                latest = await client.PatchAsync(@namespace, name, PatchHelper<T>.MergePatch(plan.Status), status: true, cancellationToken).ConfigureAwait(false);
            }

            return new PatchResult(PatchOutcome.Patched, latest);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return new PatchResult(PatchOutcome.Conflict, null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new PatchResult(PatchOutcome.NotFound, null);
        }
    }

    /// <summary>The number of values <paramref name="patch"/> sets or deletes (an empty object is one), counted up to <paramref name="limit"/>.</summary>
    private static int Values(JsonObject? patch, int limit)
    {
        var count = 0;
        foreach (var (_, value) in patch ?? [])
        {
            count += value is JsonObject { Count: > 0 } inner ? Values(inner, limit - count) : 1;
            if (count >= limit)
            {
                break;
            }
        }

        return count;
    }
}
