using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Validation;
using LlmKube.Core.Models;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class ModelClassificationTests
{
    private static readonly Func<string, V1PersistentVolumeClaim?> NoClaims = _ => null;

    [Fact]
    public void A_host_path_outside_the_roots_fails_the_model_and_blocks_its_services_with_the_same_words()
    {
        var model = Model("/mnt/models/m.gguf", withStatusKey: false);

        var verdict = ModelClassification.Classify(model, ["/srv/models"], NoClaims);
        var blocking = State(model, Service(), Options(o => o with { AllowedHostPathRoots = ["/srv/models"] })).Issues.Single(i => i.StopsServing);
        var refusal = ModelClassification.HostPathRefusal(model.Spec, ["/srv/models"])!;

        Assert.Equal((ModelPhases.Failed, Reasons.SourceNotAllowed), (verdict.Phase, verdict.Reason));
        Assert.StartsWith(refusal, verdict.Message, StringComparison.Ordinal);
        Assert.Equal((IssueSeverity.NotSupported, Reasons.SourceNotAllowed, $"Model tiny: {refusal}"), (blocking.Severity, blocking.Reason, blocking.Message));
        Assert.Null(ModelClassification.HostPathRefusal(model.Spec, ["/mnt/models"]));
    }

    [Fact]
    public void A_pvc_source_is_failed_pending_or_ready_by_its_claim()
    {
        var model = Model("pvc://store/llama/m.gguf", withStatusKey: false);
        V1PersistentVolumeClaim Claim(string phase) => new() { Metadata = new V1ObjectMeta { Name = "store" }, Status = new V1PersistentVolumeClaimStatus { Phase = phase } };

        var missing = ModelClassification.Classify(model, [], NoClaims);
        var pending = ModelClassification.Classify(model, [], _ => Claim("Pending"));
        var bound = ModelClassification.Classify(model, [], name => name == "store" ? Claim("Bound") : null);

        Assert.Equal((ModelPhases.Failed, Reasons.PvcNotFound), (missing.Phase, missing.Reason));
        Assert.Equal((ModelPhases.Pending, Reasons.PvcNotBound), (pending.Phase, pending.Reason));
        Assert.Equal((ModelPhases.Ready, Reasons.PvcModelReady, "/model-source/llama/m.gguf"), (bound.Phase, bound.Reason, bound.Path));
    }

    [Fact]
    public void Blocking_findings_fail_the_model_and_leave_the_recorded_key_alone()
    {
        var verdict = ModelClassification.Classify(Model("ftp://nope", withStatusKey: false), [], NoClaims);

        Assert.Equal(ModelPhases.Failed, verdict.Phase);
        Assert.Null(verdict.CacheKey);
    }

    [Fact]
    public void Hub_repositories_are_left_to_their_runtime_and_files_to_the_fetcher()
    {
        var repo = ModelClassification.Classify(Model("hf://org/repo", withStatusKey: false), [], NoClaims);
        var file = ModelClassification.Classify(Model(withStatusKey: false), [], NoClaims);

        Assert.Equal((ModelPhases.Ready, Reasons.RuntimeResolved, ""), (repo.Phase, repo.Reason, repo.CacheKey));
        Assert.Equal((ModelPhases.Ready, Reasons.WorkloadResolved, Key()), (file.Phase, file.Reason, file.CacheKey));
    }
}
