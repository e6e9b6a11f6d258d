using System.Text.Json.Nodes;
using LlmKube.Admission;
using LlmKube.Api;
using LlmKube.Core.Builders;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

/// <summary>
/// Every name and label value the builders derive from the longest names admission lets through (ObjectNames) is one
/// the API server accepts, so no admitted object can leave a child that is refused (issue 13).
/// </summary>
public sealed class DerivedNamesTests
{
    // A ReplicaSet is named <deployment>-<pod-template-hash>; the hash is at most 10 characters.
    private const int ReplicaSetSuffix = 11;

    [Theory]
    [InlineData(CacheModes.Shared)]
    [InlineData(CacheModes.PerService)]
    public void Every_name_and_label_value_derived_from_the_longest_admitted_names_is_valid(string mode)
    {
        var serviceName = "a" + new string('b', ObjectNames.MaxLength - 4) + ".c9";
        var modelName = new string('9', ObjectNames.MaxLength);
        Assert.Equal(ObjectNames.MaxLength, serviceName.Length);
        var model = Model();
        model.Metadata.Name = modelName;
        var service = Service(s => s.ModelRef = modelName, serviceName);

        var state = State(model, service, Options(o => o with { ModelCacheMode = mode }));

        var kubernetesService = state.KubernetesService!;
        Assert.Empty(MetadataValidation.ValidateName(kubernetesService.Metadata.Name, NameRule.Dns1035Label));
        var deployment = state.Deployment!;
        Assert.Empty(MetadataValidation.ValidateName(deployment.Metadata.Name, NameRule.Dns1123Subdomain));
        Assert.True(deployment.Metadata.Name.Length + ReplicaSetSuffix <= 253);
        var labelSets = new List<IDictionary<string, string>?>
        {
            deployment.Metadata.Labels, deployment.Spec.Template.Metadata.Labels, deployment.Spec.Selector.MatchLabels,
            kubernetesService.Metadata.Labels, kubernetesService.Spec.Selector, state.Claim?.Metadata.Labels,
        };
        var values = labelSets.Where(l => l is not null).SelectMany(l => l!.Values).ToList();
        Assert.Contains(serviceName, values);
        Assert.Contains(modelName, values);
        var labelErrors = new List<FieldError>();
        MetadataValidation.ValidateMeta(new JsonObject { ["labels"] = new JsonObject(values.Distinct().Select((v, i) => KeyValuePair.Create($"l{i}", (JsonNode?)v))) }, labelErrors, []);
        Assert.Empty(labelErrors);
        if (state.Claim is { } claim)
        {
            Assert.Empty(MetadataValidation.ValidateName(claim.Metadata.Name, NameRule.Dns1123Subdomain));
            Assert.All(claim.Metadata.OwnerReferences ?? [], o => Assert.Equal(serviceName, o.Name));
            Assert.Equal(mode == CacheModes.PerService ? serviceName + "-model-cache" : "llmkube-model-cache", claim.Metadata.Name);
        }

        Assert.All(Pod(state).Volumes, v => Assert.Empty(MetadataValidation.ValidateName(v.Name, NameRule.Dns1123Label, "volumes")));
    }

    [Fact]
    public void The_cel_rules_state_the_same_bound()
    {
        // The CEL rules spell the bound out (a C# constant string cannot interpolate an int); they must say MaxLength.
        Assert.StartsWith($"size(self.metadata.name) <= {ObjectNames.MaxLength}", ObjectNames.InferenceServiceRule, StringComparison.Ordinal);
        Assert.Equal(ObjectNames.ModelRule, $"size(self.metadata.name) <= {ObjectNames.MaxLength}");
    }

    [Fact]
    public void A_name_admitted_before_the_rule_existed_builds_nothing_and_says_the_fix()
    {
        foreach (var name in new[] { "8b-llama", "a" + new string('b', ObjectNames.MaxLength) })
        {
            var state = State(service: Service(name: name));

            Assert.False(state.Serves, name);
            var issue = Assert.Single(state.Blocking);
            Assert.Equal(("InvalidSpec", "metadata.name"), (issue.Reason, issue.Field));
            Assert.Contains("Rename it", issue.Message, StringComparison.Ordinal);
        }

        Assert.True(State(service: Service(name: "llama-3.1-8b")).Serves);
    }
}
