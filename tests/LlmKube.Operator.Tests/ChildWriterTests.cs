using System.Net;
using k8s;
using k8s.Models;
using LlmKube.Operator.Controllers;

namespace LlmKube.Operator.Tests;

public class ChildWriterTests
{
    /// <summary>Answers every request with its own body: a replace returns what was sent.</summary>
    private sealed class EchoHandler : DelegatingHandler
    {
        public List<string> Methods { get; } = [];

        public List<string> Paths { get; } = [];

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Methods.Add(request.Method.Method);
            Paths.Add(request.RequestUri!.AbsolutePath);
            var body = request.Content is null ? "{}" : await request.Content.ReadAsStringAsync(cancellationToken);
            Bodies.Add(body);
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        }
    }

    private static Kubernetes EchoClient(EchoHandler echo) => new(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }, echo);

    private static LlmKube.ControllerRuntime.OwnWrites<T> Writes<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => new();

    private static V1Service Service(int port, string? clusterIp = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "team-a", ResourceVersion = "7" },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = clusterIp,
            Selector = new Dictionary<string, string> { ["app"] = "svc" },
            Ports = [new V1ServicePort { Name = "http", Port = port, TargetPort = "http" }],
        },
    };

    [Fact]
    public async Task Updating_a_service_leaves_the_cached_live_object_untouched()
    {
        var echo = new EchoHandler();
        using var client = EchoClient(echo);
        var live = Service(80, clusterIp: "10.0.0.1");
        var liveJson = LlmKube.ControllerRuntime.KubernetesJsonNodes.ToUtf8(live);
        var livePorts = live.Spec.Ports;

        var write = await new ChildWriter(client).ApplyKubernetesServiceAsync(Service(8080), live, CancellationToken.None);

        Assert.Equal(ChildOutcome.Updated, write.Outcome);
        Assert.Equal(["PUT"], echo.Methods);
        Assert.Equal(8080, write.Live!.Spec.Ports[0].Port);
        Assert.Equal("10.0.0.1", write.Live.Spec.ClusterIP);
        // The live object is the informer's cached instance: readers share it, so the update must be a copy.
        Assert.Same(livePorts, live.Spec.Ports);
        Assert.Equal(liveJson, LlmKube.ControllerRuntime.KubernetesJsonNodes.ToUtf8(live));
    }

    [Fact]
    public async Task Only_a_write_the_server_accepted_is_recorded_and_its_echo_is_recognised()
    {
        var echo = new EchoHandler();
        using var client = EchoClient(echo);
        var writes = Writes<V1Service>();
        var writer = new ChildWriter(client, kubernetesServiceWrites: writes);
        var live = Service(8080, clusterIp: "10.0.0.1");

        var unchanged = await writer.ApplyKubernetesServiceAsync(Service(8080), live, CancellationToken.None);
        Assert.Equal(ChildOutcome.Unchanged, unchanged.Outcome);
        Assert.Empty(echo.Methods);
        Assert.Equal(0, writes.Pending);

        var updated = await writer.ApplyKubernetesServiceAsync(Service(9090), live, CancellationToken.None);
        Assert.Equal(ChildOutcome.Updated, updated.Outcome);
        Assert.Equal(1, writes.Pending);
        Assert.True(writes.IsEcho(new LlmKube.ControllerRuntime.InformerEvent<V1Service>(LlmKube.ControllerRuntime.InformerEventType.Updated, updated.Live!)));
        Assert.Equal(0, writes.Pending);
    }

    private static V1Deployment Deployment(string image) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "team-a", ResourceVersion = "9", Generation = 2 },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "svc" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "svc" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "server", Image = image }] },
            },
        },
        Status = new V1DeploymentStatus { ReadyReplicas = 1, ObservedGeneration = 2 },
    };

    [Fact]
    public async Task A_deployment_is_sent_whole_to_the_apps_path_and_what_comes_back_is_its_metadata_and_status()
    {
        var echo = new EchoHandler();
        using var client = EchoClient(echo);
        var writes = Writes<V1Deployment>();
        var writer = new ChildWriter(client, deploymentWrites: writes);

        var created = await writer.ApplyDeploymentAsync(Deployment("server:1"), live: null, CancellationToken.None);
        var updated = await writer.ApplyDeploymentAsync(Deployment("server:2"), Deployment("server:1"), CancellationToken.None);

        Assert.Equal(["POST", "PUT"], echo.Methods);
        Assert.Equal(["/apis/apps/v1/namespaces/team-a/deployments", "/apis/apps/v1/namespaces/team-a/deployments/svc"], echo.Paths);
        Assert.All(echo.Bodies, body => Assert.Contains("\"containers\":[{\"image\":\"server:", body));
        foreach (var write in new[] { created, updated })
        {
            Assert.Equal("9", write.Live!.Metadata.ResourceVersion);
            Assert.Equal(2, write.Live.Metadata.Generation);
            Assert.Equal(1, write.Live.Status.ReadyReplicas);
            Assert.Equal("Deployment", write.Live.Kind);
            Assert.Null(write.Live.Spec); // not read back: nothing uses it
        }

        Assert.Equal([ChildOutcome.Created, ChildOutcome.Updated], new[] { created.Outcome, updated.Outcome });
        Assert.True(writes.IsEcho(new LlmKube.ControllerRuntime.InformerEvent<V1Deployment>(LlmKube.ControllerRuntime.InformerEventType.Updated, Deployment("server:2"))));
    }
}
