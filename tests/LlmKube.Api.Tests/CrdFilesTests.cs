using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Schema;
using LlmKube.Tests.Shared;

namespace LlmKube.Api.Tests;

public class CrdFilesTests
{
    /// <summary>Both CRDs as generated from the types and their doc comments (ours, and KubernetesClient's for embedded types).</summary>
    private static readonly Lazy<IReadOnlyList<V1CustomResourceDefinition>> Generated = new(() =>
        CrdDefinitions.Generate(XmlDocumentation.ForAssemblies(typeof(Model).Assembly, typeof(V1Toleration).Assembly)));

    private static V1CustomResourceDefinition GeneratedModel => Generated.Value[0];

    private static V1CustomResourceDefinition GeneratedService => Generated.Value[1];

    [Fact]
    public void CrdFiles_in_config_crd_match_the_types()
    {
        var update = Environment.GetEnvironmentVariable("LLMKUBE_UPDATE_CRDS") == "1";
        var stale = new List<string>();
        foreach (var crd in Generated.Value)
        {
            var path = RepoPaths.Combine("config", "crd", CrdDefinitions.FileName(crd));
            var expected = CrdDefinitions.ToYaml(crd);
            if (update)
            {
                File.WriteAllText(path, expected);
                continue;
            }

            if (!File.Exists(path) || File.ReadAllText(path) != expected)
            {
                stale.Add(path);
            }
        }

        Assert.True(stale.Count == 0,
            "Stale CRD files (regenerate with `LLMKUBE_UPDATE_CRDS=1 dotnet test tests/LlmKube.Api.Tests --filter CrdFiles`): " + string.Join(", ", stale));
    }

    [Fact]
    public void The_shipped_crds_are_the_generated_ones()
    {
        // All() reads config/crd/ as embedded at build time; the generated objects are what config/crd/ must hold.
        var shipped = CrdDefinitions.All();
        Assert.Equal(Generated.Value.Select(c => c.Metadata.Name), shipped.Select(c => c.Metadata.Name));
        foreach (var (generated, embedded) in Generated.Value.Zip(shipped))
        {
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse(KubernetesJson.Serialize(generated)), JsonNode.Parse(KubernetesJson.Serialize(embedded))),
                $"{generated.Metadata.Name}: the embedded config/crd copy differs from the types; regenerate config/crd and rebuild");
        }
    }

    [Fact]
    public void Every_field_of_both_crds_has_a_description()
    {
        var undocumented = new List<string>();
        foreach (var crd in Generated.Value)
        {
            Undocumented(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, crd.Spec.Names.Kind, undocumented);
        }

        Assert.True(undocumented.Count == 0,
            $"{undocumented.Count} CRD fields have no description (write a <summary> on the C# property): " + string.Join(", ", undocumented));
    }

    [Fact]
    public void Descriptions_come_from_the_doc_comments_of_our_types_and_of_kubernetes_client()
    {
        var spec = SpecOf(GeneratedService);
        var claimName = spec.Properties["modelCache"].Properties["claimName"].Description;
        Assert.StartsWith("A PersistentVolumeClaim you own", claimName, StringComparison.Ordinal);
        Assert.Contains("never creates, changes, labels or deletes the claim object", claimName, StringComparison.Ordinal);
        Assert.Contains("writes model files into it", claimName, StringComparison.Ordinal);

        // Embedded Kubernetes types keep the Kubernetes descriptions, paragraphs included.
        var effect = spec.Properties["tolerations"].Items is V1JSONSchemaProps toleration ? toleration.Properties["effect"].Description : null;
        Assert.StartsWith("Effect indicates the taint effect to match. Empty means match all taint effects.", effect, StringComparison.Ordinal);
        var fsGroup = spec.Properties["podSecurityContext"].Properties["fsGroup"].Description;
        Assert.Contains("owned by the pod:\n\n1. The owning GID will be the FSGroup", fsGroup, StringComparison.Ordinal);
        Assert.DoesNotContain("  ", fsGroup, StringComparison.Ordinal);

        var root = GeneratedModel.Spec.Versions[0].Schema.OpenAPIV3Schema;
        Assert.StartsWith("APIVersion defines the versioned schema", root.Properties["apiVersion"].Description, StringComparison.Ordinal);
        Assert.NotEqual(root.Properties["spec"].Description, SpecOf(GeneratedService).Description);
    }

    private static void Undocumented(V1JSONSchemaProps schema, string path, List<string> into, bool isField = true)
    {
        if (isField && string.IsNullOrWhiteSpace(schema.Description))
        {
            into.Add(path);
        }

        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            Undocumented(property, $"{path}.{name}", into);
        }

        // List items and map values are described by the field that holds them; their own fields need descriptions.
        if (schema.Items is V1JSONSchemaProps items)
        {
            Undocumented(items, path + "[]", into, isField: false);
        }

        if (schema.AdditionalProperties is V1JSONSchemaProps values)
        {
            Undocumented(values, path + "{}", into, isField: false);
        }
    }

    [Fact]
    public void Every_generated_schema_is_structural()
    {
        foreach (var crd in Generated.Value)
        {
            var violations = StructuralSchemaChecker.Check(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, crd.Metadata.Name);
            Assert.True(violations.Count == 0, string.Join("\n", violations));
        }
    }

    [Fact]
    public void The_checker_catches_what_the_api_server_forbids()
    {
        var bad = new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["ref"] = new() { RefProperty = "#/definitions/x" },
                ["untyped"] = new(),
                ["unique"] = new() { Type = "array", UniqueItems = true, Items = new V1JSONSchemaProps { Type = "string" } },
                ["both"] = new() { Type = "object", Properties = new Dictionary<string, V1JSONSchemaProps>(), AdditionalProperties = new V1JSONSchemaProps { Type = "string" } },
                ["junctor"] = new() { Type = "string", AnyOf = [new V1JSONSchemaProps { Type = "string", DefaultProperty = "x" }] },
            },
        };

        var violations = StructuralSchemaChecker.Check(bad, "bad");

        Assert.Contains(violations, v => v.Contains("bad.ref", StringComparison.Ordinal) && v.Contains("$ref", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("bad.untyped", StringComparison.Ordinal) && v.Contains("type", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("bad.unique", StringComparison.Ordinal) && v.Contains("uniqueItems", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("bad.both", StringComparison.Ordinal) && v.Contains("additionalProperties", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("bad.junctor", StringComparison.Ordinal) && v.Contains("anyOf", StringComparison.Ordinal));
    }

    [Fact]
    public void Model_crd_has_short_name_status_subresource_and_printer_columns()
    {
        var crd = GeneratedModel;
        var version = Assert.Single(crd.Spec.Versions);

        Assert.Equal("models.inference.llmkube.dev", crd.Metadata.Name);
        Assert.Equal(["mdl"], crd.Spec.Names.ShortNames);
        Assert.NotNull(version.Subresources.Status);
        Assert.Null(version.Subresources.Scale);
        Assert.Equal(["Phase", "Size", "Accelerator", "Cache Key", "Arch", "Age"], version.AdditionalPrinterColumns.Select(c => c.Name));
    }

    [Fact]
    public void InferenceService_crd_has_scale_subresource_on_spec_and_status_replicas()
    {
        var crd = GeneratedService;
        var version = Assert.Single(crd.Spec.Versions);

        Assert.Equal(["isvc"], crd.Spec.Names.ShortNames);
        Assert.Equal(".spec.replicas", version.Subresources.Scale.SpecReplicasPath);
        Assert.Equal(".status.replicas", version.Subresources.Scale.StatusReplicasPath);
        Assert.Null(version.Subresources.Scale.LabelSelectorPath);
        Assert.Equal("string", version.AdditionalPrinterColumns.Single(c => c.Name == "Replicas").Type);
    }

    [Fact]
    public void ModelCache_carries_the_cel_rule_naming_both_fields_and_a_dns_pattern()
    {
        var modelCache = SpecOf(GeneratedService).Properties["modelCache"];

        var rule = modelCache.XKubernetesValidations.Single(r => r.Rule == "!(has(self.claimName) && has(self.persistence) && self.persistence == 'Ephemeral')");
        Assert.Contains("spec.modelCache.claimName", rule.Message, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.persistence", rule.Message, StringComparison.Ordinal);
        Assert.Contains("claimName cannot be set when persistence is Ephemeral", rule.Message, StringComparison.Ordinal);

        var claimName = modelCache.Properties["claimName"];
        Assert.Equal(Patterns.Dns1123Subdomain, claimName.Pattern);
        Assert.Equal(1, claimName.MinLength);
        Assert.Equal(253, claimName.MaxLength);
        Assert.Equal(["Cached", "Ephemeral"], modelCache.Properties["persistence"].EnumProperty.Cast<string>());
    }

    [Fact]
    public void A_provisioned_cache_is_exclusive_with_claimName_and_Ephemeral_and_sized_at_least_1Gi()
    {
        var modelCache = SpecOf(GeneratedService).Properties["modelCache"];
        var messages = modelCache.XKubernetesValidations.Select(r => r.Message).ToList();

        Assert.Contains(messages, m => m.Contains("spec.modelCache.claimName", StringComparison.Ordinal) && m.Contains("spec.modelCache.storageClassName", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("spec.modelCache.persistence", StringComparison.Ordinal) && m.Contains("spec.modelCache.storageClassName", StringComparison.Ordinal));
        Assert.Contains(modelCache.XKubernetesValidations, r => r.Rule.Contains("quantity(self.size).compareTo(quantity('1Gi')) >= 0", StringComparison.Ordinal));
        Assert.Equal(Patterns.Dns1123Subdomain, modelCache.Properties["storageClassName"].Pattern);
        Assert.Equal(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"], modelCache.Properties["accessMode"].EnumProperty.Cast<string>());
    }

    [Theory]
    [InlineData("replicas", 0, 10, 1)]
    [InlineData("contextSize", 128, 2097152, null)]
    [InlineData("parallelSlots", 1, 64, null)]
    [InlineData("containerPort", 1, 65535, null)]
    public void Service_integer_fields_have_upstream_bounds_and_defaults(string field, double min, double max, object? defaultValue)
    {
        var schema = SpecOf(GeneratedService).Properties[field];

        Assert.Equal("integer", schema.Type);
        Assert.Equal(min, schema.Minimum);
        Assert.Equal(max, schema.Maximum);
        Assert.Equal(defaultValue, schema.DefaultProperty);
    }

    [Fact]
    public void Endpoint_defaults_match_upstream()
    {
        var endpoint = SpecOf(GeneratedService).Properties["endpoint"].Properties;

        Assert.Equal(8080, endpoint["port"].DefaultProperty);
        Assert.Equal("/v1/chat/completions", endpoint["path"].DefaultProperty);
        Assert.Equal("ClusterIP", endpoint["type"].DefaultProperty);
        Assert.Equal(["ClusterIP", "NodePort", "LoadBalancer"], endpoint["type"].EnumProperty.Cast<string>());
        Assert.Equal(30000, endpoint["nodePort"].Minimum);
    }

    [Fact]
    public void Quantities_files_and_hashes_are_constrained()
    {
        var service = SpecOf(GeneratedService);
        var model = SpecOf(GeneratedModel);

        Assert.Equal(Patterns.Quantity, service.Properties["resources"].Properties["ephemeralStorage"].Pattern);
        Assert.Equal(Patterns.Quantity, service.Properties["resources"].Properties["memory"].Pattern);
        Assert.Equal(Patterns.RelativeFilePath, model.Properties["files"].Items is V1JSONSchemaProps items ? items.Pattern : null);
        Assert.Equal(Patterns.Sha256, model.Properties["sha256"].Pattern);
        Assert.Equal(Patterns.ModelSource, model.Properties["source"].Pattern);
        Assert.Equal(["source"], model.Required);
        Assert.Equal("IfNotPresent", model.Properties["refreshPolicy"].DefaultProperty);
    }

    [Fact]
    public void Conditions_are_a_list_map_keyed_by_type()
    {
        var status = GeneratedService.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"];
        var conditions = status.Properties["conditions"];

        Assert.Equal("map", conditions.XKubernetesListType);
        Assert.Equal(["type"], conditions.XKubernetesListMapKeys);
    }

    [Fact]
    public void Unsupported_upstream_objects_are_preserved_not_pruned()
    {
        var spec = SpecOf(GeneratedService);

        foreach (var field in new[] { "vllmConfig", "autoscaling", "speculativeDecoding", "rolloutPolicy", "slo" })
        {
            Assert.True(spec.Properties[field].XKubernetesPreserveUnknownFields, field);
            Assert.Equal("object", spec.Properties[field].Type);
        }
    }

    private static V1JSONSchemaProps SpecOf(V1CustomResourceDefinition crd) =>
        crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
}
