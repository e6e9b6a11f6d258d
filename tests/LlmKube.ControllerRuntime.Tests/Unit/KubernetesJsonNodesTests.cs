using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

/// <summary>The string-free JSON helpers must write exactly what the client's own serializer writes.</summary>
public class KubernetesJsonNodesTests
{
    private static V1Deployment Deployment() => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            NamespaceProperty = "team",
            CreationTimestamp = new DateTime(2026, 11, 27, 14, 0, 0, DateTimeKind.Utc),
            Labels = new Dictionary<string, string> { ["app"] = "web" },
        },
        Spec = new V1DeploymentSpec
        {
            Replicas = 2,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Strategy = new V1DeploymentStrategy { RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = 0 } },
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "server",
                            Image = "ghcr.io/ggml-org/llama.cpp:server",
                            Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi"), ["cpu"] = new("500m") } },
                            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
                            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health", Port = "http" } },
                        },
                    ],
                },
            },
        },
    };

    [Fact]
    public void ToNode_writes_what_KubernetesJson_writes()
    {
        var deployment = Deployment();
        var expected = JsonNode.Parse(KubernetesJson.Serialize(deployment));
        var actual = KubernetesJsonNodes.ToNode(deployment);

        Assert.True(JsonNode.DeepEquals(expected, actual), actual?.ToJsonString());
        Assert.Equal("2Gi", (string?)actual!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!["memory"]);
        Assert.Equal("25%", (string?)actual["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]);
        Assert.Equal(0, (int?)actual["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]);
        Assert.Null(actual["status"]); // nulls are left out, as the client does
        Assert.Null(KubernetesJsonNodes.ToNode(null));
    }

    [Fact]
    public void DeepCopy_is_equal_and_independent()
    {
        var original = Deployment();
        var copy = KubernetesJsonNodes.DeepCopy(original);

        Assert.Equal(KubernetesJson.Serialize(original), KubernetesJson.Serialize(copy));
        copy.Spec.Template.Spec.Containers[0].Image = "other";
        copy.Metadata.Labels["app"] = "changed";
        Assert.Equal("ghcr.io/ggml-org/llama.cpp:server", original.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("web", original.Metadata.Labels["app"]);
        Assert.Equal(original.Metadata.CreationTimestamp, copy.Metadata.CreationTimestamp);
    }
}
