using System.Text.Json.Nodes;
using LlmKube.Admission.Json;

namespace LlmKube.Admission.Tests;

public sealed class AdmissionUnitTests
{
    private static readonly SchemaValidator Validator = new(new CelRules());

    private static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Transition_rules_with_oldSelf_run_only_on_update()
    {
        var schema = Obj("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"}},
              "x-kubernetes-validations":[{"rule":"self.size >= oldSelf.size","message":"size may not shrink"}]}}}
            """);
        Assert.Empty(Validator.Validate(Obj("""{"spec":{"size":1}}"""), schema, old: null));
        Assert.Empty(Validator.Validate(Obj("""{"spec":{"size":3}}"""), schema, Obj("""{"spec":{"size":2}}""")));
        var error = Assert.Single(Validator.Validate(Obj("""{"spec":{"size":1}}"""), schema, Obj("""{"spec":{"size":2}}""")));
        Assert.Equal("spec: Invalid value: \"object\": size may not shrink", error.ToString());
    }

    [Fact]
    public void Int_or_string_nullable_required_and_maps_are_checked()
    {
        var schema = Obj("""
            {"type":"object","properties":{"spec":{"type":"object","required":["name"],"properties":{
              "name":{"type":"string"},
              "port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
              "note":{"type":"string","nullable":true},
              "count":{"type":"integer","format":"int32"},
              "env":{"type":"object","additionalProperties":{"type":"string","maxLength":3}}}}}}
            """);
        Assert.Empty(Validator.Validate(Obj("""{"spec":{"name":"a","port":"http","note":null,"env":{"A":"abc"}}}"""), schema, null));
        Assert.Empty(Validator.Validate(Obj("""{"spec":{"name":"a","port":8080}}"""), schema, null));
        var errors = Validator.Validate(Obj("""{"spec":{"port":true,"count":3000000000,"env":{"A":"abcd","B":1}}}"""), schema, null).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.name: Required value", errors);
        Assert.Contains("spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"", errors);
        Assert.Contains("spec.count: Invalid value: 3000000000: spec.count in body must be of type int32: \"3000000000\"", errors);
        Assert.Contains("spec.env.A: Too long: may not be more than 3 bytes", errors);
        Assert.Contains("spec.env.B: Invalid value: \"integer\": spec.env.B in body must be of type string: \"integer\"", errors);
    }

    [Fact]
    public void Pruning_reports_unknown_fields_and_defaulting_fills_absent_and_null_fields()
    {
        var schema = Obj("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "mode":{"type":"string","default":"Cached"},
              "keep":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
              "items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"integer","default":1}}}}}}}}
            """);
        var obj = Obj("""{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","bogus":1},"spec":{"mode":null,"typo":1,"keep":{"any":{"thing":1}},"items":[{"b":2},{}]}}""");
        var unknown = new List<string>();
        StructuralSchema.PruneRoot(obj, schema, unknown);
        StructuralSchema.Default(obj, schema);
        Assert.Equal(["metadata.bogus", "spec.typo", "spec.items[0].b"], unknown);
        var expected = JsonNode.Parse("""{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"},"spec":{"mode":"Cached","keep":{"any":{"thing":1}},"items":[{"a":1},{"a":1}]}}""");
        Assert.True(JsonNode.DeepEquals(expected, obj), obj.ToJsonString());
    }

    [Fact]
    public void Rules_calling_functions_the_evaluator_lacks_are_skipped_and_reported()
    {
        var skipped = new List<string>();
        var validator = new SchemaValidator(new CelRules(), (rule, _) => skipped.Add(rule));
        var schema = Obj("""{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-validations":[{"rule":"quantity(self.size).isGreaterThan(quantity('1Gi'))"}],"properties":{"size":{"type":"string"}}}}}""");
        Assert.Empty(validator.Validate(Obj("""{"spec":{"size":"2Gi"}}"""), schema, null));
        Assert.Single(skipped);

        var missingKey = Obj("""{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-validations":[{"rule":"self.size == 'x'"}],"properties":{"size":{"type":"string"}}}}}""");
        var error = Assert.Single(validator.Validate(Obj("""{"spec":{}}"""), missingKey, null));
        Assert.Equal("spec: Invalid value: \"object\": no such key: size evaluating rule: self.size == 'x'", error.ToString());
    }

    [Fact]
    public void Metadata_names_labels_and_finalizers_follow_the_api_server()
    {
        Assert.Empty(MetadataValidation.ValidateName("my-cache.v1", NameRule.Dns1123Subdomain));
        Assert.NotEmpty(MetadataValidation.ValidateName("My_Cache", NameRule.Dns1123Subdomain));
        Assert.NotEmpty(MetadataValidation.ValidateName("a.b", NameRule.Dns1123Label));
        Assert.NotEmpty(MetadataValidation.ValidateName("1abc", NameRule.Dns1035Label));
        Assert.Empty(MetadataValidation.ValidateName("system:controller:x", NameRule.PathSegment));
        var errors = new List<FieldError>();
        var warnings = new List<string>();
        MetadataValidation.ValidateMeta(Obj("""{"labels":{"app.kubernetes.io/name":"llmkube","bad key":"x","v":"not valid!"},"finalizers":["plain","llmkube.dev/cleanup"]}"""), errors, warnings);
        Assert.Equal(2, errors.Count);
        Assert.Single(warnings);
        Assert.Contains("prefer a domain-qualified finalizer name", warnings[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_scalars_follow_the_core_schema()
    {
        var doc = YamlJson.ParseOne("""
            a: 1
            b: "1"
            c: true
            d: ~
            e: 1.5
            f: 0x10
            g: 'yes'
            h: yes
            i: 1e3
            j: [1, two]
            """)!;
        Assert.Equal("""{"a":1,"b":"1","c":true,"d":null,"e":1.5,"f":16,"g":"yes","h":"yes","i":1000,"j":[1,"two"]}""", doc.ToJsonString());
        Assert.Equal(2, YamlJson.ParseAll("a: 1\n---\n---\nb: 2\n").Count);
    }
}
