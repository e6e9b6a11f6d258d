using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LlmKube.Api;

/// <summary>The envelope every resource of our group shares: apiVersion, kind, metadata, spec, status.</summary>
public abstract class CustomResource<TSpec, TStatus>(string kind) : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>
    where TSpec : new()
    where TStatus : class
{
    /// <summary>
    /// APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized
    /// schemas to the latest internal value, and may reject unrecognized values. More info:
    /// https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources
    /// </summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>
    /// Kind is a string value representing the REST resource this object represents. Servers may infer this from the
    /// endpoint the client submits requests to. Cannot be updated. In CamelCase. More info:
    /// https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
    /// </summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = kind;

    /// <summary>
    /// Standard object's metadata. More info:
    /// https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata
    /// </summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What the user wants.</summary>
    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    /// <summary>What the operator observed; written only by the operator, through the status subresource.</summary>
    [JsonPropertyName("status")]
    public TStatus? Status { get; set; }
}

/// <summary>A page of resources of our group as the API server lists them.</summary>
public abstract class CustomResourceList<T>(string kind) : IKubernetesObject<V1ListMeta>, IItems<T>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = kind;

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<T> Items { get; set; } = [];
}
