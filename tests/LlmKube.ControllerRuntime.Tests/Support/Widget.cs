using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>A custom resource for tests (served under /apis/demo.llmkube.dev/v1 once <see cref="WidgetCrd"/> is created).</summary>
[KubernetesEntity(Group = "demo.llmkube.dev", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>, IStatus<WidgetStatus?>
{
    public static readonly ResourceKind<Widget> Descriptor = ResourceKind.Custom<Widget>();

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "demo.llmkube.dev/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Widget";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WidgetSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WidgetStatus? Status { get; set; }

    public static Widget New(string ns, string name, int size = 1) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new WidgetSpec { Size = size } };
}

public sealed class WidgetSpec
{
    [JsonPropertyName("size")]
    public int Size { get; set; }
}

public sealed class WidgetStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
