using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LlmKube.Api.Models;

/// <summary>A model's weights: where they come from and how they are verified and refreshed.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
public sealed class Model : IKubernetesObject<V1ObjectMeta>, ISpec<ModelSpec>, IStatus<ModelStatus?>
{
    public const string KindName = "Model";
    public const string Plural = "models";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ModelSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ModelStatus? Status { get; set; }
}

/// <summary>A page of Models as the API server lists them.</summary>
public sealed class ModelList : IKubernetesObject<V1ListMeta>, IItems<Model>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "ModelList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<Model> Items { get; set; } = [];
}
