using System.Text.Json.Nodes;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.ControllerRuntime.Tests.Support;
using ServerMergePatch = LlmKube.Sandbox.Patching.JsonMergePatch;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class PatchTests
{
    [Theory]
    [InlineData("{}", "{}", null)]
    [InlineData("{\"a\":1}", "{\"a\":1}", null)]
    [InlineData("{\"a\":1}", "{\"a\":2}", "{\"a\":2}")]
    [InlineData("{\"a\":1}", "{}", "{\"a\":null}")]
    [InlineData("{}", "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}")]
    [InlineData("{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1,\"c\":3}}", "{\"a\":{\"c\":3}}")]
    [InlineData("{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1}}", "{\"a\":{\"c\":null}}")]
    [InlineData("{\"a\":[1,2]}", "{\"a\":[1,2]}", null)]
    [InlineData("{\"a\":[1,2]}", "{\"a\":[2,1]}", "{\"a\":[2,1]}")]
    [InlineData("{\"a\":[{\"x\":1}]}", "{\"a\":[{\"x\":1},{\"y\":2}]}", "{\"a\":[{\"x\":1},{\"y\":2}]}")]
    [InlineData("{\"a\":{\"b\":1}}", "{\"a\":5}", "{\"a\":5}")]
    [InlineData("{\"a\":\"x\",\"b\":true}", "{\"b\":true,\"a\":\"x\"}", null)]
    [InlineData("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "{\"a\":{\"b\":{\"c\":{\"d\":1,\"e\":2}}}}", "{\"a\":{\"b\":{\"c\":{\"e\":2}}}}")]
    // Values written differently but equal in meaning are no change (the bytes differ, the values do not).
    [InlineData("{\"a\":[{\"x\":1,\"y\":{\"p\":1,\"q\":2}}]}", "{\"a\":[{\"y\":{\"q\":2,\"p\":1},\"x\":1}]}", null)]
    [InlineData("{\"a\":1,\"b\":\"caf\u00e9\"}", "{\"a\":1.0,\"b\":\"caf\\u00e9\"}", null)]
    [InlineData("{\"a\":null}", "{\"a\":{}}", "{\"a\":{}}")]
    public void Diff_produces_minimal_merge_patches(string before, string after, string? expected)
    {
        var patch = JsonMergePatch.Diff(JsonNode.Parse(before) as JsonObject, JsonNode.Parse(after) as JsonObject);
        if (expected == null)
        {
            Assert.Null(patch);
            return;
        }

        Assert.NotNull(patch);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), patch), patch!.ToJsonString());
        // What the API server makes of the patch (the sandbox applies merge patches as it does).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(after), ServerMergePatch.Apply(JsonNode.Parse(before), patch)));
    }

    [Fact]
    public void A_scope_leaves_its_members_out_at_every_depth_also_from_values_that_are_new()
    {
        var scope = new MergePatchScope(["status"], new Dictionary<string, MergePatchScope> { ["metadata"] = new(["uid"]) });
        using var before = System.Text.Json.JsonDocument.Parse("""{"status":{"a":1},"spec":{"x":1}}""");
        using var after = System.Text.Json.JsonDocument.Parse("""{"status":{"a":2},"spec":{"x":1},"metadata":{"uid":"u","labels":{"uid":"kept"}}}""");

        var patch = JsonMergePatch.Diff(before.RootElement, after.RootElement, scope);

        // The patch owns its nodes: it outlives the documents it was read from.
        Assert.Equal("""{"metadata":{"labels":{"uid":"kept"}}}""", patch!.ToJsonString());
        Assert.Null(JsonMergePatch.Diff(after.RootElement, after.RootElement, scope));
        Assert.Null(JsonMergePatch.Diff(before.RootElement, before.RootElement, MergePatchScope.Everything));
    }

    [Fact]
    public void Objects_with_many_members_are_diffed_member_by_member_like_small_ones()
    {
        // Past 16 members the diff looks members up through a table (a tenant can write thousands of annotations).
        var before = new JsonObject();
        var after = new JsonObject();
        for (var i = 0; i < 2000; i++)
        {
            before[$"k{i}"] = i;
            after[$"k{1999 - i}"] = 1999 - i; // the same members in the opposite order
        }

        after["k7"] = "changed";
        after.Remove("k8");
        after["new"] = true;

        var patch = JsonMergePatch.Diff(before, after);

        Assert.Equal("""{"k7":"changed","k8":null,"new":true}""", patch!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(after, ServerMergePatch.Apply(before.DeepClone(), patch)));
    }

    private static V1Deployment Deployment() => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta
        {
            Name = "d",
            NamespaceProperty = "ns",
            ResourceVersion = "42",
            Uid = "u",
            Generation = 3,
            Labels = new Dictionary<string, string> { ["app"] = "d" },
            CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "d" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "d" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i:1" }] },
            },
        },
        Status = new V1DeploymentStatus { ReadyReplicas = 1, ObservedGeneration = 3 },
    };

    [Fact]
    public void An_unchanged_copy_yields_an_empty_plan()
    {
        var (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        Assert.True(helper.Compute(copy).IsEmpty);
    }

    [Fact]
    public void A_stamp_is_applied_and_sent_only_with_a_real_change_and_never_makes_one_by_itself()
    {
        var stamps = 0;
        void Stamp(V1Deployment d)
        {
            stamps++;
            d.Status.ObservedGeneration = 9; // stands for a last-updated time
        }

        var (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        Assert.True(helper.Compute(copy, Stamp).IsEmpty);
        Assert.Equal(0, stamps);
        Assert.Equal(3, copy.Status.ObservedGeneration);

        copy.Status.ReadyReplicas = 2;
        var plan = helper.Compute(copy, Stamp);
        Assert.Equal(1, stamps);
        Assert.Null(plan.Main);
        Assert.Equal("{\"status\":{\"observedGeneration\":9,\"readyReplicas\":2}}", plan.Status!.ToJsonString());
    }

    [Fact]
    public void A_stamp_makes_no_change_by_itself_even_when_the_bytes_differ_only_in_what_a_patch_never_carries()
    {
        static void Stamp(V1Deployment d) => d.Status.ObservedGeneration = 9;

        var (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        copy.Metadata.ResourceVersion = "99";
        Assert.True(helper.Compute(copy, Stamp).IsEmpty);

        // One real change, and a stamp that leaves its value as it was: the change is still sent.
        (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        copy.Spec.Replicas = 2;
        var plan = helper.Compute(copy, d => d.Status.ObservedGeneration = 3);
        Assert.Equal("{\"spec\":{\"replicas\":2}}", plan.Main!.ToJsonString());
        Assert.Null(plan.Status);

        // One real change in the spec goes with the stamp in the status.
        (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        copy.Spec.Replicas = 2;
        plan = helper.Compute(copy, Stamp);
        Assert.Equal("{\"spec\":{\"replicas\":2}}", plan.Main!.ToJsonString());
        Assert.Equal("{\"status\":{\"observedGeneration\":9}}", plan.Status!.ToJsonString());
    }

    [Fact]
    public void Spec_and_status_changes_go_to_separate_patches()
    {
        var (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        copy.Spec.Replicas = 3;
        copy.Status.ReadyReplicas = 2;
        var plan = helper.Compute(copy);
        Assert.Equal("{\"spec\":{\"replicas\":3}}", plan.Main!.ToJsonString());
        Assert.Equal("{\"status\":{\"readyReplicas\":2}}", plan.Status!.ToJsonString());
    }

    [Fact]
    public void Status_only_changes_send_no_main_patch_and_server_owned_metadata_is_ignored()
    {
        var (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        copy.Metadata.ResourceVersion = "99";
        copy.Metadata.Generation = 7;
        copy.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "x" }];
        copy.Status.Conditions = [new V1DeploymentCondition { Type = "Available", Status = "True" }];
        var plan = helper.Compute(copy);
        Assert.Null(plan.Main);
        Assert.Equal("{\"status\":{\"conditions\":[{\"status\":\"True\",\"type\":\"Available\"}]}}", plan.Status!.ToJsonString());
    }

    [Fact]
    public void Removed_labels_become_nulls_and_no_patch_carries_the_resource_version()
    {
        var (helper, copy) = PatchHelper<V1Deployment>.Begin(Deployment());
        copy.Metadata.Labels.Remove("app");
        copy.Metadata.Finalizers = ["f"];
        copy.Status.ReadyReplicas = 5;
        var plan = helper.Compute(copy);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"metadata\":{\"labels\":{\"app\":null},\"finalizers\":[\"f\"]}}"), plan.Main), plan.Main!.ToJsonString());
        Assert.Equal("{\"status\":{\"readyReplicas\":5}}", plan.Status!.ToJsonString());
    }

    private static Widget StatusWidget()
    {
        var widget = Widget.New("ns", "w", size: 2);
        widget.Metadata.ResourceVersion = "42";
        widget.Metadata.Uid = "u";
        widget.Metadata.Generation = 3;
        widget.Status = new WidgetStatus { ObservedGeneration = 3, Phase = "Running" };
        return widget;
    }

    public static TheoryData<string> StatusChanges => ["none", "field", "condition", "cleared"];

    [Theory]
    [MemberData(nameof(StatusChanges))]
    public void A_status_helper_plans_what_the_whole_object_helper_plans_for_the_same_status_change(string change)
    {
        void Change(WidgetStatus status)
        {
            switch (change)
            {
                case "field":
                    status.Phase = "Stopped";
                    break;
                case "condition":
                    status.Conditions = [new V1Condition { Type = "Ready", Status = "True", Reason = "Running", Message = "" }];
                    break;
                case "cleared":
                    status.Phase = null;
                    status.ObservedGeneration = null;
                    break;
            }
        }

        var stamps = new List<string>();
        void Stamp(WidgetStatus status, string by)
        {
            stamps.Add(by);
            status.ObservedGeneration = 9; // stands for a last-updated time
        }

        var (whole, copy) = PatchHelper<Widget>.Begin(StatusWidget());
        Change(copy.Status!);
        var expected = whole.Compute(copy, w => Stamp(w.Status!, "whole"));

        var original = StatusWidget();
        var (statusOnly, status) = StatusPatchHelper<Widget, WidgetStatus>.Begin(original);
        Change(status);
        var plan = statusOnly.Compute(status, s => Stamp(s, "status"));

        Assert.Null(plan.Main);
        Assert.Equal(expected.Status?.ToJsonString(), plan.Status?.ToJsonString());
        Assert.Equal(change is "none" ? [] : ["whole", "status"], stamps);
        Assert.Equal(change is "none", plan.IsEmpty);

        // The copy is the helper's own: the cached object is untouched.
        Assert.Equal("Running", original.Status!.Phase);
        Assert.Equal(3, original.Status.ObservedGeneration);
        Assert.Null(original.Status.Conditions);
    }

    [Fact]
    public void A_status_helper_starts_an_object_without_status_from_an_empty_one_and_sends_all_of_it()
    {
        var original = StatusWidget();
        original.Status = null;
        var (helper, status) = StatusPatchHelper<Widget, WidgetStatus>.Begin(original);
        Assert.Null(original.Status);
        Assert.Equal(("ns", "w"), (helper.Namespace, helper.Name));

        // An empty status is no change to either helper.
        var (whole, copy) = PatchHelper<Widget>.Begin(original);
        copy.Status = new WidgetStatus();
        Assert.True(whole.Compute(copy, _ => { }).IsEmpty);
        Assert.True(helper.Compute(status, _ => { }).IsEmpty);

        status.Phase = "Running";
        var plan = helper.Compute(status, s => s.ObservedGeneration = 4);
        Assert.Null(plan.Main);
        Assert.Equal("""{"status":{"observedGeneration":4,"phase":"Running"}}""", plan.Status!.ToJsonString());
    }

    [Fact]
    public void Conditions_keep_the_transition_time_unless_status_flips()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 10, 0, 0, 123, TimeSpan.Zero);
        var list = new List<V1Condition>();
        Assert.True(new ConditionSetter(1, list, t0).MarkFalse("Ready", "Waiting", "not yet"));
        Assert.Equal(new DateTime(2026, 1, 1, 10, 0, 0, DateTimeKind.Utc), list[0].LastTransitionTime);

        Assert.False(new ConditionSetter(1, list, t0.AddMinutes(1)).MarkFalse("Ready", "Waiting", "not yet"));
        Assert.True(new ConditionSetter(2, list, t0.AddMinutes(2)).MarkFalse("Ready", "Pulling", "pulling image"));
        Assert.Equal(t0.UtcDateTime.AddMilliseconds(-123), list[0].LastTransitionTime);
        Assert.Equal(2, list[0].ObservedGeneration);

        Assert.True(new ConditionSetter(2, list, t0.AddMinutes(3)).MarkTrue("Ready", "Ready", "ok"));
        Assert.Equal(t0.AddMinutes(3).UtcDateTime.AddMilliseconds(-123), list[0].LastTransitionTime);
        Assert.Equal(ConditionStatus.True, list.Get("Ready")!.Status);
        Assert.False(list.IsFalse("Ready"));

        Assert.True(new ConditionSetter(2, list, t0).MarkFalse("Degraded", "None", ""));
        Assert.Equal(2, list.Count);
        Assert.True(list.IsFalse("Degraded"));
        Assert.Null(list.Get("Missing"));
    }

    [Fact]
    public void Setting_an_unchanged_condition_on_a_copy_yields_no_status_patch()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        var d = Deployment();
        d.Status.Conditions = [new V1DeploymentCondition { Type = "Progressing", Status = "True" }];
        var (helper, copy) = PatchHelper<V1Deployment>.Begin(d);
        copy.Status.ObservedGeneration = 3;
        Assert.True(helper.Compute(copy).IsEmpty);

        var conditions = new List<V1Condition>();
        new ConditionSetter(3, conditions, t0).MarkTrue("Ready", "Ok", "fine");
        var snapshot = ObjectCopy.DeepCopy(conditions);
        Assert.False(new ConditionSetter(3, snapshot, t0.AddHours(1)).MarkTrue("Ready", "Ok", "fine"));
        Assert.Equal(conditions[0].LastTransitionTime, snapshot[0].LastTransitionTime);
    }
}
