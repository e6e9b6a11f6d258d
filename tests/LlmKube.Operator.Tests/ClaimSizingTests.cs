using k8s.Models;
using LlmKube.Api;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Cache;
using LlmKube.Operator.Controllers;

namespace LlmKube.Operator.Tests;

/// <summary>Growth, refusals, a class that cannot change and a model larger than its claim (issue 17), as pure rules.</summary>
public sealed class ClaimSizingTests
{
    private const long Gi = 1L << 30;
    private const string Uid = "isvc-uid";

    private static CachePlan Provisioned(string size, string? storageClass = "fast-local") =>
        CachePlan.OnClaim(CacheClaim.Provisioned("svc-model-cache", new ClaimRequest(storageClass, size, "ReadWriteOnce")), "k", "/models/k/m.gguf", "/models/k");

    private static CachePlan Shared() => CachePlan.OnClaim(CacheClaim.Shared("llmkube-model-cache"), "k", "/models/k/m.gguf", "/models/k");

    private static V1PersistentVolumeClaim Claim(string request, string? capacity = null, string phase = "Bound", string storageClass = "fast-local", string? condition = null, string owner = Uid) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "svc-model-cache",
            Uid = "claim-uid",
            OwnerReferences = [new V1OwnerReference { Kind = "InferenceService", Name = "svc", Uid = owner, Controller = true, ApiVersion = "inference.llmkube.dev/v1alpha1" }],
        },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storageClass,
            VolumeName = phase == "Bound" ? "pv-1" : null,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(request) } },
        },
        Status = new V1PersistentVolumeClaimStatus
        {
            Phase = phase,
            Capacity = phase == "Bound" ? new Dictionary<string, ResourceQuantity> { ["storage"] = new(capacity ?? request) } : null,
            Conditions = condition is null ? null : [new V1PersistentVolumeClaimCondition { Type = condition, Status = "True" }],
        },
    };

    private static V1StorageClass Class(bool expands) => new() { Metadata = new V1ObjectMeta { Name = "fast-local" }, Provisioner = "x", AllowVolumeExpansion = expands };

    [Fact]
    public void Growing_on_an_expandable_class_expands_the_bound_claim_and_reports_it()
    {
        var plan = Provisioned("250Gi");
        var claim = Claim("200Gi");
        Assert.True(ClaimSizing.GrowthAsked(plan, claim, Uid));

        var sizing = ClaimSizing.Evaluate(plan, claim, Class(expands: true), modelBytes: null, Uid);

        Assert.Equal("250Gi", sizing.ExpandTo);
        Assert.Equal((ConditionStatus.True, Reasons.ClaimResizing), (sizing.Verdict!.Status, sizing.Verdict.Reason));
        Assert.Contains("from 200Gi to 250Gi", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.False(sizing.StopsServing);
    }

    [Fact]
    public void Growing_on_a_class_without_expansion_is_refused_with_the_reason()
    {
        var sizing = ClaimSizing.Evaluate(Provisioned("250Gi"), Claim("200Gi"), Class(expands: false), modelBytes: null, Uid);

        Assert.Null(sizing.ExpandTo);
        Assert.Equal((ConditionStatus.False, Reasons.ClaimResizeRefused), (sizing.Verdict!.Status, sizing.Verdict.Reason));
        Assert.Contains("allowVolumeExpansion", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.Contains("fast-local", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.False(sizing.StopsServing);
    }

    [Fact]
    public void Shrinking_is_refused_and_the_claim_keeps_its_size()
    {
        var plan = Provisioned("100Gi");
        Assert.False(ClaimSizing.GrowthAsked(plan, Claim("200Gi"), Uid));

        var sizing = ClaimSizing.Evaluate(plan, Claim("200Gi"), null, modelBytes: null, Uid);

        Assert.Null(sizing.ExpandTo);
        Assert.Equal((ConditionStatus.False, Reasons.ClaimResizeRefused), (sizing.Verdict!.Status, sizing.Verdict.Reason));
        Assert.Contains("claims do not shrink", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.size", sizing.Verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expansion_in_progress_and_its_end_are_reported()
    {
        var resizing = ClaimSizing.Evaluate(Provisioned("250Gi"), Claim("250Gi", capacity: "200Gi", condition: "FileSystemResizePending"), null, null, Uid);
        Assert.Equal((ConditionStatus.True, Reasons.ClaimResizing), (resizing.Verdict!.Status, resizing.Verdict.Reason));
        Assert.Contains("FileSystemResizePending", resizing.Verdict.Message, StringComparison.Ordinal);
        Assert.Null(resizing.ExpandTo);

        var done = ClaimSizing.Evaluate(Provisioned("250Gi"), Claim("250Gi"), null, null, Uid);
        Assert.Null(done.Verdict);
        Assert.Null(done.ExpandTo);
    }

    [Fact]
    public void A_same_named_claim_the_service_does_not_control_is_never_grown()
    {
        var claim = Claim("200Gi", owner: "someone-else");
        Assert.False(ClaimSizing.GrowthAsked(Provisioned("250Gi"), claim, Uid));

        var sizing = ClaimSizing.Evaluate(Provisioned("250Gi"), claim, Class(expands: true), null, Uid);

        Assert.Null(sizing.ExpandTo);
        Assert.Equal(Reasons.ClaimResizeRefused, sizing.Verdict!.Reason);
        Assert.Contains("not controlled by this InferenceService", sizing.Verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pending_claim_is_not_expanded()
    {
        Assert.False(ClaimSizing.GrowthAsked(Provisioned("250Gi"), Claim("200Gi", phase: "Pending"), Uid));
        Assert.Null(ClaimSizing.Evaluate(Provisioned("250Gi"), Claim("200Gi", phase: "Pending"), Class(expands: true), null, Uid).ExpandTo);
    }

    [Fact]
    public void Another_storage_class_is_reported_as_needing_the_claim_deleted()
    {
        var sizing = ClaimSizing.Evaluate(Provisioned("200Gi", "fast-local"), Claim("200Gi", storageClass: "standard"), null, null, Uid);

        Assert.Equal((ConditionStatus.False, Reasons.ClaimClassMismatch), (sizing.Verdict!.Status, sizing.Verdict.Reason));
        Assert.Contains("kubectl delete pvc svc-model-cache", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.Contains("never deletes", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.Null(ClaimSizing.Evaluate(Provisioned("200Gi", storageClass: null), Claim("200Gi", storageClass: "standard"), null, null, Uid).Verdict);
    }

    [Theory]
    [InlineData("provisioned")]
    [InlineData("shared")]
    public void A_model_larger_than_the_claim_stops_before_the_download_with_both_sizes(string kind)
    {
        var plan = kind == "shared" ? Shared() : Provisioned("200Gi");

        var sizing = ClaimSizing.Evaluate(plan, Claim("200Gi"), null, modelBytes: 300 * Gi, Uid);

        Assert.True(sizing.StopsServing);
        Assert.Equal((ConditionStatus.False, Reasons.CacheTooSmall), (sizing.Verdict!.Status, sizing.Verdict.Reason));
        Assert.Contains("300.0 GiB", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.Contains("200.0 GiB", sizing.Verdict.Message, StringComparison.Ordinal);
        Assert.False(ClaimSizing.Evaluate(plan, Claim("200Gi"), null, modelBytes: 100 * Gi, Uid).StopsServing);
    }

    [Fact]
    public void A_model_that_fits_once_the_claim_grows_is_not_too_small()
    {
        var sizing = ClaimSizing.Evaluate(Provisioned("400Gi"), Claim("200Gi"), Class(expands: true), modelBytes: 300 * Gi, Uid);

        Assert.False(sizing.StopsServing);
        Assert.Equal("400Gi", sizing.ExpandTo);
    }
}
