using System.Net;
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
public sealed record PatchResult<T>(PatchOutcome Outcome, T? Object)
    where T : class
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
public sealed class PatchHelper<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly string[] ServerOwned = ["resourceVersion", "uid", "generation", "managedFields", "creationTimestamp", "selfLink"];

    /// <summary>The snapshot as the client serializes it: bytes, not a JSON tree, because most passes change nothing.</summary>
    private readonly byte[] _before;

    private PatchHelper(T original, byte[] snapshot)
    {
        _before = snapshot;
        Namespace = original.Metadata?.NamespaceProperty;
        Name = original.Metadata?.Name ?? throw new ArgumentException("object has no name", nameof(original));
    }

    /// <summary>Namespace of the snapshot.</summary>
    public string? Namespace { get; }

    /// <summary>Name of the snapshot.</summary>
    public string Name { get; }

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
        if (written.AsSpan().SequenceEqual(_before))
        {
            // Nothing changed (a steady-state pass): no JSON trees to build and compare.
            return new PatchPlan(null, null);
        }

        var after = ToObject(written);
        var before = ToObject(_before);
        Strip(before);
        Strip(after);
        var statusDiff = Diff(before["status"] as JsonObject, after["status"] as JsonObject);
        before.Remove("status");
        after.Remove("status");

        before.Remove("apiVersion");
        before.Remove("kind");
        after.Remove("apiVersion");
        after.Remove("kind");
        return new PatchPlan(JsonMergePatch.Diff(before, after), statusDiff is null ? null : new JsonObject { ["status"] = statusDiff });
    }

    /// <summary>
    /// Like <see cref="Compute(T)"/>, and when anything differs, first applies <paramref name="stamp"/> to
    /// <paramref name="modified"/> (a last-updated time: a field that must not by itself make a change) and computes
    /// again. A pass that changes nothing serializes the object once.
    /// </summary>
    public PatchPlan Compute(T modified, Action<T> stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        var plan = Compute(modified);
        if (plan.IsEmpty)
        {
            return plan;
        }

        stamp(modified);
        return Compute(modified);
    }

    /// <summary>
    /// Sends the patches for <paramref name="modified"/> (none when unchanged). Conflicts and a vanished object
    /// are returned as outcomes; other failures throw.
    /// </summary>
    public Task<PatchResult<T>> PatchAsync(IResourceClient<T> client, T modified, CancellationToken cancellationToken) =>
        SendAsync(client, Compute(modified), cancellationToken);

    /// <summary>Sends <paramref name="plan"/> (from <see cref="Compute(T)"/> of this helper); nothing when it is empty. Outcomes as <see cref="PatchAsync"/>.</summary>
    public async Task<PatchResult<T>> SendAsync(IResourceClient<T> client, PatchPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsEmpty)
        {
            return new PatchResult<T>(PatchOutcome.Unchanged, null);
        }

        try
        {
            T? latest = null;
            if (plan.Main != null)
            {
                latest = await client.PatchAsync(Namespace, Name, MergePatch(plan.Main), status: false, cancellationToken).ConfigureAwait(false);
            }

            if (plan.Status != null)
            {
                latest = await client.PatchAsync(Namespace, Name, MergePatch(plan.Status), status: true, cancellationToken).ConfigureAwait(false);
            }

            return new PatchResult<T>(PatchOutcome.Patched, latest);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return new PatchResult<T>(PatchOutcome.Conflict, null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new PatchResult<T>(PatchOutcome.NotFound, null);
        }
    }

    /// <summary>A merge-patch body for KubernetesClient.</summary>
    public static V1Patch MergePatch(JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
    }

    private static JsonObject? Diff(JsonObject? before, JsonObject? after) =>
        before == null && after == null ? null : JsonMergePatch.Diff(before, after);

    private static JsonObject ToObject(byte[] json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("object did not serialize to a JSON object");

    private static void Strip(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            foreach (var f in ServerOwned)
            {
                meta.Remove(f);
            }
        }
    }
}
