using k8s.Models;
using LlmKube.Api;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Cache;

namespace LlmKube.Operator.Controllers;

/// <summary>★ The <c>ModelCacheReady</c> verdict for a service: is its cache claim usable, or why is none used.</summary>
public sealed record ClaimHealth(string Status, string Reason, string Message)
{
    public static ClaimHealth Evaluate(CachePlan plan, string namespaceName, V1PersistentVolumeClaim? claim, V1PersistentVolume? volume, IDictionary<string, string>? nodeSelector)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IgnoredClaimReason is { } ignored)
        {
            return new(ConditionStatus.False, Reasons.ClaimIgnored, ignored);
        }

        if (plan.Claim is not { } cacheClaim)
        {
            // Nothing to check: the model is not on a cache claim (a pvc:// source claim is the Model's to report).
            return new(ConditionStatus.True, Reasons.NoClaimNeeded, plan.Volume == ModelVolumeKind.PvcSource ? $"{plan.Describe()}; the Model reports that claim's state" : plan.Describe());
        }

        var name = cacheClaim.Name;
        if (claim is null)
        {
            return cacheClaim.OperatorProvisions
                ? new(ConditionStatus.False, Reasons.ClaimNotFound, $"PersistentVolumeClaim {name} does not exist yet in namespace {namespaceName}; the operator creates it")
                : new(ConditionStatus.False, Reasons.ClaimNotFound, MissingUserClaim(name, namespaceName));
        }

        return claim.Status?.Phase switch
        {
            "Bound" => NodeMismatch(name, claim, volume, nodeSelector) is { } mismatch
                ? new(ConditionStatus.False, Reasons.ModelCacheNodeMismatch, mismatch)
                : new(ConditionStatus.True, Reasons.ClaimBound, $"PersistentVolumeClaim {name} is Bound to volume {claim.Spec?.VolumeName}"),
            "Lost" => new(ConditionStatus.False, Reasons.ClaimLost, $"PersistentVolumeClaim {name} lost its volume {claim.Spec?.VolumeName}; recreate the claim"),
            _ => new(ConditionStatus.False, Reasons.ClaimPending,
                $"PersistentVolumeClaim {name} is Pending: no volume is bound yet (with a WaitForFirstConsumer storage class it binds when the first pod is scheduled)"),
        };
    }

    public static string MissingUserClaim(string claimName, string namespaceName) =>
        $"PersistentVolumeClaim {claimName} named by spec.modelCache.claimName was not found in namespace {namespaceName}: create it or remove the field; the service does not fall back to another cache";

    /// <summary>
    /// A ReadWriteOnce claim whose volume is pinned to nodes that the service's nodeSelector excludes: the pods
    /// could never run beside the volume. The operator reports it; it does not move anything.
    /// </summary>
    public static string? NodeMismatch(string claimName, V1PersistentVolumeClaim claim, V1PersistentVolume? volume, IDictionary<string, string>? nodeSelector)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var singleNode = claim.Spec?.AccessModes?.Any(m => m is "ReadWriteOnce" or "ReadWriteOncePod") == true;
        var terms = volume?.Spec?.NodeAffinity?.Required?.NodeSelectorTerms;
        if (!singleNode || terms is not { Count: > 0 } || nodeSelector is not { Count: > 0 })
        {
            return null;
        }

        if (terms.Any(term => CanMatch(term, nodeSelector)))
        {
            return null;
        }

        var pinned = string.Join(" or ", terms.Select(Describe));
        var selected = string.Join(",", nodeSelector.Select(kv => $"{kv.Key}={kv.Value}"));
        return $"PersistentVolumeClaim {claimName} is ReadWriteOnce and bound to volume {volume!.Metadata?.Name}, which only nodes with {pinned} can use, " +
               $"but spec.nodeSelector ({selected}) selects none of them: pods will stay Pending. Align spec.nodeSelector with the volume's node, or use a ReadWriteMany claim";
    }

    // A term can match unless a selector label the term tests contradicts it; labels the selector does not fix
    // could still match on the node, so they count as possible.
    private static bool CanMatch(V1NodeSelectorTerm term, IDictionary<string, string> nodeSelector) =>
        (term.MatchExpressions ?? []).All(expression =>
        {
            if (!nodeSelector.TryGetValue(expression.Key, out var value))
            {
                return true;
            }

            var values = expression.Values ?? [];
            return expression.OperatorProperty switch
            {
                "In" => values.Contains(value),
                "NotIn" => !values.Contains(value),
                "Exists" => true,
                "DoesNotExist" => false,
                _ => true,
            };
        });

    private static string Describe(V1NodeSelectorTerm term) =>
        string.Join(" and ", (term.MatchExpressions ?? []).Select(e => $"{e.Key} {e.OperatorProperty} [{string.Join(",", e.Values ?? [])}]"));
}
