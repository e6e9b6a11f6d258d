using k8s.Models;

namespace LlmKube.Api.Services;

/// <summary>
/// A llama.cpp server for one Model of the same namespace: the operator creates its Deployment and Service, stages the
/// weights into the model cache with init containers, and reports phase, endpoint and cache wiring in status
/// (LLMKube's inference.llmkube.dev/v1alpha1 API).
/// </summary>
[Schema.CelRule(ObjectNames.InferenceServiceRule, ObjectNames.InferenceServiceMessage)]
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
public sealed class InferenceService() : CustomResource<InferenceServiceSpec, InferenceServiceStatus>(KindName)
{
    public const string KindName = "InferenceService";
    public const string Plural = "inferenceservices";
}

/// <summary>A page of InferenceServices.</summary>
public sealed class InferenceServiceList() : CustomResourceList<InferenceService>(InferenceService.KindName + "List");
