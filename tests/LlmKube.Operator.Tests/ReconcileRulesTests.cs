using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using LlmKube.Operator.Controllers;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Operator.Tests;

public class ReconcileRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static V1Deployment DeploymentWith(int? ready, long generation = 1, long? observed = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "chat", Generation = generation },
        Status = new V1DeploymentStatus { ReadyReplicas = ready, ObservedGeneration = observed },
    };

    public static TheoryData<int?, bool?, int?, string, int> Phases => new()
    {
        { 1, null, null, ServicePhases.Creating, 0 },
        { 1, null, 0, ServicePhases.Creating, 0 },
        { 2, null, 1, ServicePhases.Progressing, 1 },
        { 2, null, 2, ServicePhases.Ready, 2 },
        { 0, null, 0, ServicePhases.Stopped, 0 },
        { 2, true, 2, ServicePhases.Suspended, 2 },
    };

    [Theory]
    [MemberData(nameof(Phases))]
    public void Phase_and_running_count_come_from_the_deployment(int? replicas, bool? suspend, int? ready, string phase, int running)
    {
        var status = new InferenceServiceStatus();
        var spec = new InferenceServiceSpec { ModelRef = "m", Replicas = replicas, Suspend = suspend };

        InferenceServiceStatusRules.FromDeployment(status, Conditions(status, 1, Now), spec, DeploymentWith(ready));

        Assert.Equal(phase, status.Phase);
        Assert.Equal(running, status.Replicas);
        Assert.Equal(ready ?? 0, status.ReadyReplicas);
        Assert.Equal(suspend == true ? 0 : replicas ?? 1, status.DesiredReplicas);
    }

    [Fact]
    public void A_rollout_not_yet_observed_is_not_ready()
    {
        var status = new InferenceServiceStatus();

        InferenceServiceStatusRules.FromDeployment(status, Conditions(status, 1, Now), new InferenceServiceSpec { ModelRef = "m" }, DeploymentWith(1, generation: 3, observed: 2));

        Assert.Equal(ServicePhases.Progressing, status.Phase);
    }

    [Fact]
    public void Ready_sets_available_and_clears_degraded_with_the_generation()
    {
        var status = new InferenceServiceStatus();
        InferenceServiceStatusRules.Failed(status, Conditions(status, 4, Now), "ModelCachePVCNotFound", "missing");

        InferenceServiceStatusRules.FromDeployment(status, Conditions(status, 5, Now.AddMinutes(1)), new InferenceServiceSpec { ModelRef = "m" }, DeploymentWith(1));

        Assert.Equal(ServicePhases.Ready, status.Phase);
        var available = status.Conditions!.Single(c => c.Type == "Available");
        var degraded = status.Conditions!.Single(c => c.Type == "Degraded");
        Assert.Equal(("True", "InferenceReady", 5L), (available.Status, available.Reason, available.ObservedGeneration));
        Assert.Equal(("False", "AsExpected"), (degraded.Status, degraded.Reason));
        Assert.Equal(Now.AddMinutes(1).UtcDateTime, degraded.LastTransitionTime);
    }

    [Fact]
    public void Failed_sets_degraded_true_and_available_false()
    {
        var status = new InferenceServiceStatus();

        InferenceServiceStatusRules.Failed(status, Conditions(status, 2, Now), "ModelCachePVCNotFound", "claim x missing");

        Assert.Equal(ServicePhases.Failed, status.Phase);
        Assert.Equal(("True", "ModelCachePVCNotFound", "claim x missing"), status.Conditions!.Where(c => c.Type == "Degraded").Select(c => (c.Status, c.Reason, c.Message)).Single());
        Assert.Equal("False", status.Conditions!.Single(c => c.Type == "Available").Status);
    }

    private static ConditionSetter Conditions(InferenceServiceStatus status, long generation, DateTimeOffset now) => new(generation, status.Conditions ??= [], now);

    private static ConditionSetter Conditions(ModelStatus status, long generation, DateTimeOffset now) => new(generation, status.Conditions ??= [], now);

    private static CachePlan ClaimPlan(CacheClaimKind kind = CacheClaimKind.User) => CachePlan.OnClaim(
        kind switch
        {
            CacheClaimKind.Shared => CacheClaim.Shared("my-cache"),
            CacheClaimKind.PerService => CacheClaim.PerService("my-cache"),
            CacheClaimKind.Provisioned => CacheClaim.Provisioned("my-cache", new ClaimRequest("fast-local", "200Gi", "ReadWriteOnce")),
            CacheClaimKind.User => CacheClaim.User("my-cache"),
        },
        "k", "/models/k/m.gguf", "/models/k");

    private static V1PersistentVolumeClaim Claim(string phase, string mode = "ReadWriteOnce") => new()
    {
        Metadata = new V1ObjectMeta { Name = "my-cache" },
        Spec = new V1PersistentVolumeClaimSpec { AccessModes = [mode], VolumeName = "pv-1" },
        Status = new V1PersistentVolumeClaimStatus { Phase = phase },
    };

    private static V1PersistentVolume PinnedVolume(params string[] hosts) => new()
    {
        Metadata = new V1ObjectMeta { Name = "pv-1" },
        Spec = new V1PersistentVolumeSpec
        {
            NodeAffinity = new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = hosts }] }],
                },
            },
        },
    };

    [Theory]
    [InlineData("Bound", "True", "ClaimBound")]
    [InlineData("Pending", "False", "ClaimPending")]
    [InlineData("Lost", "False", "ClaimLost")]
    public void Claim_health_follows_the_claim_phase(string phase, string status, string reason)
    {
        var health = ClaimHealth.Evaluate(ClaimPlan(), "ns", Claim(phase), null, null);

        Assert.Equal((status, reason), (health.Status, health.Reason));
        Assert.Contains("my-cache", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scaling_to_zero_is_announced_without_a_count_that_contradicts_itself()
    {
        var status = new InferenceServiceStatus();
        var spec = new InferenceServiceSpec { ModelRef = "m", Replicas = 0 };
        var stillRunning = new V1Deployment { Metadata = new V1ObjectMeta { Generation = 2 }, Status = new V1DeploymentStatus { ReadyReplicas = 1, ObservedGeneration = 2 } };
        InferenceServiceStatusRules.FromDeployment(status, Conditions(status, 2, Now), spec, stillRunning);

        var message = InferenceServiceStatusRules.Milestone(status, ServicePhases.Ready);

        Assert.Equal(ServicePhases.Stopped, status.Phase);
        Assert.Equal("scaled to 0 replicas (spec.replicas 0); its pods are stopping (was Ready)", message);
        Assert.Equal("1/1 replicas ready (was Creating)", InferenceServiceStatusRules.Milestone(new InferenceServiceStatus { Phase = ServicePhases.Ready, ReadyReplicas = 1, DesiredReplicas = 1 }, ServicePhases.Creating));
    }

    [Theory]
    [InlineData(CacheClaimKind.User, "Bound", "create a new claim named my-cache")]
    [InlineData(CacheClaimKind.Shared, "Bound", "the operator creates it again")]
    [InlineData(CacheClaimKind.User, "Lost", "create a new claim named my-cache")]
    public void A_claim_being_deleted_is_terminating_whatever_its_phase(CacheClaimKind kind, string phase, string fix)
    {
        var claim = Claim(phase);
        claim.Metadata.DeletionTimestamp = Now.UtcDateTime;
        claim.Metadata.Finalizers = ["kubernetes.io/pvc-protection"];

        var health = ClaimHealth.Evaluate(ClaimPlan(kind), "ns", claim, null, null);

        Assert.Equal(("False", "ClaimTerminating"), (health.Status, health.Reason));
        Assert.True(health.Warns);
        Assert.Contains("PersistentVolumeClaim my-cache is being deleted", health.Message, StringComparison.Ordinal);
        Assert.Contains("running pods keep serving", health.Message, StringComparison.Ordinal);
        Assert.Contains(fix, health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lost_claim_says_its_volume_and_the_fix()
    {
        var health = ClaimHealth.Evaluate(ClaimPlan(), "ns", Claim("Lost"), null, null);

        Assert.Equal(("False", "ClaimLost"), (health.Status, health.Reason));
        Assert.True(health.Warns);
        Assert.Contains("volume pv-1", health.Message, StringComparison.Ordinal);
        Assert.Contains("delete the claim and create it again", health.Message, StringComparison.Ordinal);
        Assert.False(ClaimHealth.Evaluate(ClaimPlan(), "ns", Claim("Bound"), null, null).Warns);
    }

    [Fact]
    public void A_missing_user_claim_names_claim_namespace_and_field()
    {
        var health = ClaimHealth.Evaluate(ClaimPlan(), "team-a", null, null, null);

        Assert.Equal(("False", "ClaimNotFound"), (health.Status, health.Reason));
        Assert.Contains("my-cache", health.Message, StringComparison.Ordinal);
        Assert.Contains("team-a", health.Message, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.claimName", health.Message, StringComparison.Ordinal);
        Assert.Contains("does not fall back", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ignored_claim_is_visible_in_the_condition()
    {
        var plan = CachePlan.FromPvcSource("my-cache", "/model-source/m.gguf", "/model-source") with { IgnoredClaimReason = "spec.modelCache.claimName x is ignored: the source is a pre-staged pvc:// volume" };

        var health = ClaimHealth.Evaluate(plan, "ns", null, null, null);

        Assert.Equal(("False", "ClaimIgnored"), (health.Status, health.Reason));
        Assert.Contains("pre-staged pvc://", health.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node-b", "ReadWriteOnce", true)]
    [InlineData("node-a", "ReadWriteOnce", false)]
    [InlineData("node-b", "ReadWriteMany", false)]
    public void Node_mismatch_is_reported_for_single_node_claims_pinned_elsewhere(string selectedNode, string mode, bool mismatch)
    {
        var selector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = selectedNode };

        var health = ClaimHealth.Evaluate(ClaimPlan(), "ns", Claim("Bound", mode), PinnedVolume("node-a"), selector);

        Assert.Equal(mismatch ? "ModelCacheNodeMismatch" : "ClaimBound", health.Reason);
        if (mismatch)
        {
            Assert.Contains("node-a", health.Message, StringComparison.Ordinal);
            Assert.Contains("kubernetes.io/hostname=node-b", health.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Node_mismatch_needs_a_contradicting_selector_label()
    {
        var unrelated = new Dictionary<string, string> { ["gpu"] = "a100" };

        Assert.Equal("ClaimBound", ClaimHealth.Evaluate(ClaimPlan(), "ns", Claim("Bound"), PinnedVolume("node-a"), unrelated).Reason);
        Assert.Equal("ClaimBound", ClaimHealth.Evaluate(ClaimPlan(), "ns", Claim("Bound"), PinnedVolume("node-a"), null).Reason);
    }

    [Theory]
    [InlineData("reason=SourceNotFound message=HTTP 404 from https://x/m.gguf", "SourceNotFound", "HTTP 404 from https://x/m.gguf")]
    [InlineData("progress...\nreason=OutOfSpace message=no space left on device", "OutOfSpace", "no space left on device")]
    [InlineData("reason=InvalidSource", "InvalidSource", "")]
    public void Termination_messages_parse(string text, string reason, string message)
    {
        var line = TransferDiagnosis.ParseTerminationMessage(text, 3);

        Assert.Equal((reason, message), (line.Reason, line.Message));
    }

    [Fact]
    public void A_failed_downloader_is_diagnosed_and_a_later_success_clears_it()
    {
        var failed = Pod("chat-1", new V1ContainerStateTerminated { ExitCode = 4, Message = "reason=SourceUnauthorized message=HTTP 401" }, node: "gpu-1");
        var ok = Pod("chat-2", new V1ContainerStateTerminated { ExitCode = 0 });

        var diagnosis = TransferDiagnosis.FromPods([failed])!;
        Assert.Equal(("False", "SourceUnauthorized", "ModelSourceUnauthorized"), (diagnosis.Status, diagnosis.Reason, diagnosis.EventReason));
        Assert.Contains("gpu-1", diagnosis.Message, StringComparison.Ordinal);
        Assert.Equal(("True", "ModelTransferSucceeded"), TransferDiagnosis.FromPods([ok]) is { } d ? (d.Status, d.Reason) : default);
        Assert.Null(TransferDiagnosis.FromPods([]));
    }

    private static V1Pod Pod(string name, V1ContainerStateTerminated terminated, string? node = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus { InitContainerStatuses = [new V1ContainerStatus { Name = "model-downloader", State = new V1ContainerState { Terminated = terminated } }] },
    };

    [Fact]
    public void Json_subset_ignores_server_defaults_but_not_changes()
    {
        var desired = JsonNode.Parse("""{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","args":["x"]}]}}}}""");
        var live = JsonNode.Parse("""{"spec":{"replicas":1,"progressDeadlineSeconds":600,"template":{"spec":{"restartPolicy":"Always","containers":[{"name":"a","args":["x"],"imagePullPolicy":"Always"}]}}}}""");
        var changed = JsonNode.Parse("""{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}}}""");

        Assert.True(JsonSubset.Contains(live, desired));
        Assert.False(JsonSubset.Contains(live, changed));
        Assert.False(JsonSubset.Contains(JsonNode.Parse("""{"a":{}}"""), JsonNode.Parse("""{"a":{"b":1}}""")));
    }

    [Fact]
    public void Json_subset_compares_scalars_by_text_skips_null_fields_and_leaves_only_metadata_owners_out()
    {
        // A quantity or flag the server returns in another JSON type still says the same thing.
        Assert.True(JsonSubset.Contains(JsonNode.Parse("""{"cpu":"1","on":"true","n":2}"""), JsonNode.Parse("""{"cpu":1,"on":true,"n":"2"}""")));
        Assert.False(JsonSubset.Contains(JsonNode.Parse("""{"on":false}"""), JsonNode.Parse("""{"on":true}""")));
        Assert.True(JsonSubset.Contains(JsonNode.Parse("""{"a":1}"""), JsonNode.Parse("""{"a":1,"b":null}""")));
        Assert.False(JsonSubset.Contains(JsonNode.Parse("""{"a":null}"""), JsonNode.Parse("""{"a":{"b":1}}""")));
        Assert.False(JsonSubset.Contains(JsonNode.Parse("""{"a":[1]}"""), JsonNode.Parse("""{"a":[1,2]}""")));

        var owners = JsonNode.Parse("""{"metadata":{"name":"x","ownerReferences":[{"uid":"mine"}]},"spec":{"ownerReferences":[1]}}""")!;
        var othersOwn = JsonNode.Parse("""{"metadata":{"name":"x","ownerReferences":[{"uid":"theirs"}]},"spec":{"ownerReferences":[1]}}""")!;
        var specDiffers = JsonNode.Parse("""{"metadata":{"name":"x","ownerReferences":[{"uid":"mine"}]},"spec":{"ownerReferences":[2]}}""")!;
        Assert.True(JsonSubset.ContainsObject(othersOwn, owners));
        Assert.False(JsonSubset.Contains(othersOwn, owners));
        Assert.False(JsonSubset.ContainsObject(specDiffers, owners));
        Assert.False(JsonSubset.ContainsObject(JsonNode.Parse("""{"metadata":{"name":"y"}}""")!, owners));
    }

    [Fact]
    public void Revalidation_records_a_baseline_first_then_reports_drift_and_keeps_it()
    {
        var status = new ModelStatus();
        var onChange = new RefreshPolicyView(OnChange: true);

        Assert.Equal(DriftOutcome.Baseline, ModelRevalidation.Apply(status, Conditions(status, 1, Now), new ProbeResult(true, "e1", 100, null), onChange));
        Assert.Equal(("e1", 100L, "100 B"), (status.SourceETag, status.SourceContentLength, status.Size));
        Assert.Equal(DriftOutcome.InSync, ModelRevalidation.Apply(status, Conditions(status, 1, Now), new ProbeResult(true, "e1", 100, null), onChange));
        Assert.Equal(DriftOutcome.Drifted, ModelRevalidation.Apply(status, Conditions(status, 1, Now), new ProbeResult(true, "e2", 100, null), onChange));
        var drifted = status.Conditions!.Single(c => c.Type == "SourceDrifted");
        Assert.Equal(("True", "UpstreamChanged"), (drifted.Status, drifted.Reason));
        Assert.Contains("e1 -> e2", drifted.Message, StringComparison.Ordinal);
        Assert.Contains("OnChange", drifted.Message, StringComparison.Ordinal);
        Assert.Equal("e1", status.SourceETag);
    }

    [Fact]
    public void Revalidation_uses_size_without_etags_and_keeps_everything_when_indeterminate()
    {
        var status = new ModelStatus { SourceContentLength = 100, LastRevalidated = Now.UtcDateTime.AddHours(-2) };
        var before = status.LastRevalidated;

        Assert.Equal(DriftOutcome.Indeterminate, ModelRevalidation.Apply(status, Conditions(status, 1, Now), ProbeResult.Indeterminate("503"), default));
        Assert.Equal(before, status.LastRevalidated);
        Assert.Empty(status.Conditions!);
        Assert.Equal(DriftOutcome.Drifted, ModelRevalidation.Apply(status, Conditions(status, 1, Now), new ProbeResult(true, null, 200, null), default));
        Assert.Contains("IfNotPresent", status.Conditions!.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Revalidation_is_due_after_the_interval_only()
    {
        var status = new ModelStatus { LastRevalidated = Now.UtcDateTime.AddMinutes(-30) };

        Assert.False(ModelRevalidation.IsDue(status, Now, TimeSpan.FromHours(1)));
        Assert.True(ModelRevalidation.IsDue(status, Now, TimeSpan.FromMinutes(30)));
        Assert.True(ModelRevalidation.IsDue(new ModelStatus(), Now, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromMinutes(30), ModelRevalidation.NextCheckIn(status, Now, TimeSpan.FromHours(1)));
    }

    [Theory]
    [InlineData("https://example.com/m.gguf", "https://example.com/m.gguf")]
    [InlineData("hf://org/repo@v1/sub/m.gguf", "https://huggingface.co/org/repo/resolve/v1/sub/m.gguf")]
    [InlineData("s3://bucket/m.gguf", null)]
    [InlineData("pvc://c/m.gguf", null)]
    [InlineData("org/repo", null)]
    public void Only_http_and_hub_files_are_probed(string source, string? url)
    {
        Assert.Equal(url, ModelReconciler.ProbeUrl(new ModelSpec { Source = source }));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/m.gguf?sig=SECRET")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]:9/m.gguf")]
    public async Task Private_addresses_are_not_probed_by_default(string url)
    {
        // The address rule is AddressPolicy's (tests/LlmKube.Contracts.Tests); this checks the probe applies it.
        using var probe = new HttpSourceProbe(allowPrivateAddresses: false);
        var result = await probe.ProbeAsync(url, CancellationToken.None);

        Assert.False(result.Determinate);
        Assert.Contains("refusing to probe", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", result.Error, StringComparison.Ordinal);
    }
}
