using k8s.Models;

namespace LlmKube.Api.Models;

/// <summary>
/// A model's weights: where they come from, how they are verified and refreshed, and the hardware they are meant for.
/// InferenceServices in the same namespace serve it (LLMKube's inference.llmkube.dev/v1alpha1 API).
/// </summary>
[Schema.CelRule(ObjectNames.ModelRule, ObjectNames.ModelMessage)]
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
public sealed class Model() : CustomResource<ModelSpec, ModelStatus>(KindName)
{
    public const string KindName = "Model";
    public const string Plural = "models";
}

/// <summary>A page of Models.</summary>
public sealed class ModelList() : CustomResourceList<Model>(Model.KindName + "List");
