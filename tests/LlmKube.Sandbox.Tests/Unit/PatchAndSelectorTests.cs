using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Patching;
using LlmKube.Sandbox.Selectors;
using LlmKube.Sandbox.Tables;

namespace LlmKube.Sandbox.Tests.Unit;

public sealed class PatchAndSelectorTests
{
    private static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Json_patch_supports_every_operation_and_fails_with_422()
    {
        var doc = Obj("""{"a":{"b":1},"list":[1,2,3]}""");
        var patch = JsonNode.Parse("""
            [{"op":"add","path":"/a/c","value":2},{"op":"move","from":"/a/b","path":"/moved"},{"op":"copy","from":"/moved","path":"/copied"},
             {"op":"remove","path":"/list/0"},{"op":"add","path":"/list/-","value":4},{"op":"replace","path":"/list/0","value":9},{"op":"test","path":"/copied","value":1}]
            """);
        Assert.Equal("""{"a":{"c":2},"list":[9,3,4],"moved":1,"copied":1}""", JsonPatch.Apply(doc, patch)!.ToJsonString());
        var failure = Assert.Throws<ApiException>(() => JsonPatch.Apply(Obj("""{"a":1}"""), JsonNode.Parse("""[{"op":"remove","path":"/missing"}]""")));
        Assert.Equal(422, failure.Code);
        Assert.Equal(400, Assert.Throws<ApiException>(() => JsonPatch.Apply(Obj("{}"), JsonNode.Parse("{}"))).Code);
    }

    [Fact]
    public void Merge_patch_deletes_with_null_and_replaces_lists()
    {
        var result = JsonMergePatch.Apply(Obj("""{"a":{"b":1,"c":2},"l":[1,2]}"""), JsonNode.Parse("""{"a":{"b":null,"d":{"e":null,"f":1}},"l":[3]}"""));
        Assert.Equal("""{"a":{"c":2,"d":{"f":1}},"l":[3]}""", result!.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_honours_retainKeys_setElementOrder_and_primitive_deletes()
    {
        var target = Obj("""{"metadata":{"finalizers":["a","b"]},"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"template":{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}}}""");
        var patch = Obj("""
            {"metadata":{"finalizers":["c"],"$deleteFromPrimitiveList/finalizers":["a"]},
             "spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null},
               "template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","image":"x"}]}}}}
            """);
        var result = StrategicMergePatch.Apply(target, patch, BuiltinListStrategies.Resolve);
        Assert.Equal("""{"metadata":{"finalizers":["b","c"]},"spec":{"strategy":{"type":"Recreate"},"template":{"spec":{"containers":[{"name":"b"},{"name":"a","image":"x"}]}}}}""", result.ToJsonString());
    }

    [Fact]
    public void Server_side_apply_merges_keyed_lists_and_removes_what_a_manager_stopped_applying()
    {
        var current = Obj("""{"spec":{"ports":[{"name":"http","port":80},{"name":"other","port":1}],"a":1,"b":2}}""");
        var first = Obj("""{"spec":{"ports":[{"name":"http","port":80}],"a":1}}""");
        var second = Obj("""{"spec":{"ports":[{"name":"http","port":8080}]}}""");
        ListStrategy Keys(IReadOnlyList<string> path) => path is [.., "ports"] ? ListStrategy.By("name") : ListStrategy.Atomic;
        var result = ServerSideApply.Apply(current, second, first, Keys);
        Assert.Equal("""{"spec":{"ports":[{"name":"http","port":8080},{"name":"other","port":1}],"b":2}}""", result.ToJsonString());
    }

    [Theory]
    [InlineData("app=a", true)]
    [InlineData("app==a,tier!=db", true)]
    [InlineData("app in (a, b),!missing", true)]
    [InlineData("app notin (a)", false)]
    [InlineData("tier", true)]
    [InlineData("size>5", true)]
    [InlineData("size<5", false)]
    public void Label_selectors_match_as_on_the_server(string selector, bool expected)
    {
        var labels = new Dictionary<string, string> { ["app"] = "a", ["tier"] = "web", ["size"] = "10" };
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(labels));
    }

    [Fact]
    public void Field_selectors_read_nested_fields_and_escapes()
    {
        var obj = Obj("""{"metadata":{"name":"a,b"},"involvedObject":{"kind":"Pod"},"count":3}""");
        Assert.True(FieldSelector.Parse("metadata.name=a\\,b,involvedObject.kind==Pod,count=3").Matches(obj));
        Assert.False(FieldSelector.Parse("involvedObject.kind!=Pod").Matches(obj));
        Assert.Equal(400, Assert.Throws<ApiException>(() => FieldSelector.Parse("nonsense")).Code);
    }

    [Fact]
    public void Json_path_filters_and_ages_format_like_kubectl()
    {
        var obj = Obj("""{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Other","status":"False"}]}}""");
        Assert.Equal("True", JsonPathLite.Evaluate(obj, """.status.conditions[?(@.type=="Ready")].status""").Single()!.GetValue<string>());
        Assert.Equal(2, JsonPathLite.Evaluate(obj, ".status.conditions[*].type").Count);
        Assert.Equal("90s", HumanDuration.Format(TimeSpan.FromSeconds(90)));
        Assert.Equal("5m30s", HumanDuration.Format(TimeSpan.FromSeconds(330)));
        Assert.Equal("3h5m", HumanDuration.Format(TimeSpan.FromMinutes(185)));
        Assert.Equal("3d2h", HumanDuration.Format(TimeSpan.FromHours(74)));
    }
}
