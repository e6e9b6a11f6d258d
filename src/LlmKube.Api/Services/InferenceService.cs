using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LlmKube.Api.Services;

/// <summary>A llama.cpp server for one Model: Deployment, Service and the model cache wiring.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
public sealed class InferenceService : IKubernetesObject<V1ObjectMeta>, ISpec<InferenceServiceSpec>, IStatus<InferenceServiceStatus?>
{
    public const string KindName = "InferenceService";
    public const string Plural = "inferenceservices";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public InferenceServiceSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferenceServiceStatus? Status { get; set; }
}

/// <summary>A page of InferenceServices as the API server lists them.</summary>
public sealed class InferenceServiceList : IKubernetesObject<V1ListMeta>, IItems<InferenceService>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "InferenceServiceList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<InferenceService> Items { get; set; } = [];
}
