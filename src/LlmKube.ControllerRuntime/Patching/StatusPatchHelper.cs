using System.Text.Json;
using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// <see cref="PatchHelper{T}"/> for a reconciler that writes only an object's status, as ours do: the snapshot, the copy
/// and the diff are of the status alone, so a pass never serializes, copies or compares the metadata and spec it
/// cannot change. The patch is the one <see cref="PatchHelper{T}"/> would send for the same change: <c>{"status": …}</c>
/// to the <c>/status</c> subresource, nothing when nothing changed, and the same stamp rule.
/// </summary>
/// <remarks>
/// A first pass over a new object (no status yet) used to serialize the whole object three times, read it back once
/// and diff it whole; bench/operator/README.md, session 23, has what that cost the operator.
/// </remarks>
public sealed class StatusPatchHelper<T, TStatus> : PatchSnapshot
    where T : class, IKubernetesObject<V1ObjectMeta>, IStatus<TStatus?>
    where TStatus : class, new()
{
    /// <param name="snapshot">The status as the client serializes it (JSON <c>null</c> when there is none).</param>
    private StatusPatchHelper(T original, byte[] snapshot)
        : base(original, snapshot)
    {
    }

    /// <summary>Snapshots the status of <paramref name="original"/> and returns a deep copy of it to modify (a new, empty one when it has none).</summary>
    public static (StatusPatchHelper<T, TStatus> Helper, TStatus Status) Begin(T original)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (original.Status is not { } status)
        {
            return (new StatusPatchHelper<T, TStatus>(original, "null"u8.ToArray()), new TStatus());
        }

        var snapshot = KubernetesJsonNodes.ToUtf8(status);
        return (new StatusPatchHelper<T, TStatus>(original, snapshot), KubernetesJsonNodes.FromUtf8<TStatus>(snapshot));
    }

    /// <summary>
    /// The status patch from the snapshot to <paramref name="modified"/>, stamped first when anything differs, as
    /// <see cref="PatchHelper{T}.Compute(T, Action{T})"/> does (pure; no I/O). The stamp may have been applied even when
    /// the plan comes back empty.
    /// </summary>
    public PatchPlan Compute(TStatus modified, Action<TStatus> stamp) => PatchPlans.Stamped(Before, modified, stamp, Plan);

    /// <summary>Sends <paramref name="plan"/> (from <see cref="Compute"/> of this helper); outcomes as <see cref="PatchHelper{T}.PatchAsync"/>.</summary>
    public Task<PatchResult> SendAsync(IResourceClient<T> client, PatchPlan plan, CancellationToken cancellationToken) =>
        PatchPlans.SendAsync(client, Namespace, Name, plan, cancellationToken);

    private static PatchPlan Plan(byte[] snapshot, byte[] written)
    {
        using var before = JsonDocument.Parse(snapshot);
        using var after = JsonDocument.Parse(written);
        return PatchPlans.WithStatus(null, PatchPlans.AsStatus(before.RootElement), PatchPlans.AsStatus(after.RootElement));
    }
}
