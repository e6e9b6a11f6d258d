using k8s.Models;

namespace LlmKube.Api.Services;

/// <summary>A llama.cpp server for one Model: Deployment, Service and the model cache wiring.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
public sealed class InferenceService() : CustomResource<InferenceServiceSpec, InferenceServiceStatus>(KindName)
{
    public const string KindName = "InferenceService";
    public const string Plural = "inferenceservices";
}

/// <summary>A page of InferenceServices.</summary>
public sealed class InferenceServiceList() : CustomResourceList<InferenceService>(InferenceService.KindName + "List");
